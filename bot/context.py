"""What a command handler gets: the session, the asking user, their language and zone, and the clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.messages import Incoming
from bot.render import Markdown, render, t
from config.settings import Settings
from storage.models import AuditLog, User


@dataclass
class CommandContext:
    """Everything one command runs with; it lives for one unit of work."""

    session: Session
    user: User
    incoming: Incoming
    settings: Settings
    clock: Clock
    lang: str
    now: datetime = field(init=False)
    events: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.now = self.clock.now()

    @property
    def tenant(self) -> str:
        return self.user.tenant

    @property
    def tz(self) -> ZoneInfo:
        """The asking user's zone (their setting, else the configured default)."""
        return ZoneInfo(self.user.timezone or self.settings.defaults.timezone)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        """Today in the asking user's zone."""
        return self.local_now.date()

    @property
    def morning_hour(self) -> int:
        return self.user.morning_hour if self.user.morning_hour is not None else self.settings.defaults.morning_hour

    def publish(self, event: Any) -> None:
        """Queue a domain event; the dispatcher hands it to listeners after the commit."""
        self.events.append(event)

    def t(self, key: str, **params: Any) -> Markdown:
        """A short localized message in the user's language."""
        return t(key, self.lang, **params)

    def render(self, template: str, **context: Any) -> Markdown:
        """A jinja2 template in the user's language."""
        return render(template, self.lang, **context)

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Record a change in the audit log, in the same transaction as the change itself."""
        self.session.add(
            AuditLog(
                tenant=self.tenant,
                user_id=self.user.id,
                platform=self.incoming.platform,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=_dump(before),
                after=_dump(after),
                at=self.now,
            )
        )


def _dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)
