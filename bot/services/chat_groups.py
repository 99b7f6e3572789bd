"""Group conversations the bot has seen (`ChatConversation` rows).

Some platforms can only push into a group by an id they tell us in a group message (DingTalk's
`openConversationId`), so every group message records its group, in the command's own unit of work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.models import ChatConversation
from storage.uow import unit_of_work


@dataclass(frozen=True)
class ChatGroup:
    """A group the bot has seen a message in."""

    platform: str
    workspace: str
    conversation_id: str
    title: str | None
    last_seen_at: datetime


class GroupDirectory:
    """Records groups as messages arrive (at most one write per group per `refresh_after` seconds)."""

    def __init__(self, *, refresh_after: float = 600.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.refresh_after = refresh_after
        self._monotonic = monotonic
        self._written: dict[tuple[str, str, str], tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def remember(
        self, session: Session, *, platform: str, workspace: str, conversation_id: str, title: str | None,
        now: datetime,
    ) -> None:
        """Insert or refresh the group's row (title, last seen); safe when replicas race on the same group."""
        key = (platform, workspace, conversation_id)
        tick = self._monotonic()
        with self._lock:
            last = self._written.get(key)
            if last is not None and tick - last[0] < self.refresh_after and last[1] == title:
                return
            self._written[key] = (tick, title)
        values = {"platform": platform, "workspace": workspace, "conversation_id": conversation_id,
                  "title": title[:200] if title else None, "last_seen_at": now}
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(ChatConversation).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "workspace", "conversation_id"],
            set_={"title": statement.excluded.title, "last_seen_at": statement.excluded.last_seen_at},
        )
        session.execute(statement)


def groups_of(engine: Engine, platform: str, workspace: str) -> list[ChatGroup]:
    """Every group of `workspace` the bot has seen on `platform`, most recently active first."""
    with unit_of_work(engine, write=False) as session:
        rows = session.exec(
            select(ChatConversation)
            .where(ChatConversation.platform == platform, ChatConversation.workspace == workspace)
            .order_by(ChatConversation.last_seen_at.desc())  # type: ignore[attr-defined]
        ).all()
        return [ChatGroup(r.platform, r.workspace, r.conversation_id, r.title, r.last_seen_at) for r in rows]
