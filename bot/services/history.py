"""Reading the audit log back (`history`): a customer's entries, or a person's, newest first, paged.

Only what the asker may see: a customer's history covers the customer and its follow-ups, orders, contacts,
reminders and contracts (the customer was already resolved with access control); a person's history covers changes
to that person (roles from the config, deactivation, handovers, settings) and what they did to customers
the asker may see (admins: everything in the tenant).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlmodel import Session

from bot.access import select_visible_ids
from storage.models import AuditLog, Contact, Contract, Customer, FollowUp, Order, Reminder, Team, User

PAGE_SIZE = 10
# Audit entities that belong to one customer, and the table that says which.
_CHILDREN: dict[str, Any] = {"followup": FollowUp, "order": Order, "contact": Contact, "reminder": Reminder,
                             "contract": Contract}
# Values stored as ids that read better as names.
_USER_KEYS = frozenset({"owner_id", "assignee_id", "author_id"})
_TEAM_KEYS = frozenset({"team_id"})
_CUSTOMER_KEYS = frozenset({"customer_id"})
VALUE_CHARS = 60
# Instants are stored as ISO text with an offset ("2026-11-19 02:00:00+00:00"); shown in the reader's zone.
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


@dataclass(frozen=True)
class Change:
    """One field of an entry: its key, and the value before and after (None when absent)."""

    key: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Entry:
    """One audit row as a person reads it."""

    id: int
    at: datetime
    who: str | None  # None: the config (or another system change)
    platform: str
    action: str
    entity: str
    entity_id: int | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class HistoryPage:
    """One page of entries and where it sits."""

    entries: tuple[Entry, ...]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def customer_history(session: Session, customer: Customer, *, page: int = 1, tz: tzinfo = UTC) -> HistoryPage:
    """The audit entries of `customer` and of the records that belong to it."""
    parts: list[ColumnElement[bool]] = [and_(AuditLog.entity == "customer", AuditLog.entity_id == customer.id)]
    for entity, table in _CHILDREN.items():
        ids = select(table.id).where(table.customer_id == customer.id)
        parts.append(and_(AuditLog.entity == entity, AuditLog.entity_id.in_(ids)))  # type: ignore[union-attr]
    return _page(session, and_(AuditLog.tenant == customer.tenant, or_(*parts)), page, tz)


def user_history(session: Session, asker: User, person: User, *, page: int = 1, tz: tzinfo = UTC) -> HistoryPage:
    """Changes to `person`, and what `person` did to records the asker may see."""
    about = and_(AuditLog.entity == "user", AuditLog.entity_id == person.id)
    by_them: ColumnElement[bool] = and_(AuditLog.user_id == person.id)
    if asker.role != "admin":
        by_them = and_(by_them, _visible_record(session, asker))
    return _page(session, and_(AuditLog.tenant == person.tenant, or_(about, by_them)), page, tz)


def _visible_record(session: Session, asker: User) -> ColumnElement[bool]:
    visible = select_visible_ids(session, asker)
    parts: list[ColumnElement[bool]] = [and_(AuditLog.entity == "customer", AuditLog.entity_id.in_(visible))]  # type: ignore[union-attr]
    for entity, table in _CHILDREN.items():
        ids = select(table.id).where(table.customer_id.in_(visible))
        parts.append(and_(AuditLog.entity == entity, AuditLog.entity_id.in_(ids)))  # type: ignore[union-attr]
    return or_(false(), *parts)


def _page(session: Session, where: ColumnElement[bool], page: int, tz: tzinfo) -> HistoryPage:
    total = session.execute(select(func.count()).select_from(AuditLog).where(where)).scalar_one()
    page = max(1, min(page, max(1, -(-int(total) // PAGE_SIZE))))
    who = func.coalesce(func.nullif(User.display_name, ""), User.name)
    rows = session.execute(
        select(AuditLog, who).outerjoin(User, User.id == AuditLog.user_id).where(where)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())  # type: ignore[attr-defined]
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    names = _Names(session, tz)
    entries = tuple(
        Entry(id=row.id, at=row.at, who=label, platform=row.platform, action=row.action, entity=row.entity,
              entity_id=row.entity_id, changes=_changes(row, names))
        for row, label in rows
    )
    return HistoryPage(entries, int(total), page)


def _changes(row: AuditLog, names: _Names) -> tuple[Change, ...]:
    before, after = _load(row.before), _load(row.after)
    keys = list(dict.fromkeys([*before, *after]))
    changes = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        if key not in before and new in (None, "", []):
            continue  # a new record's empty fields say nothing
        changes.append(Change(key, names.show(key, old) if key in before else None,
                              names.show(key, new) if key in after else None))
    return tuple(changes)


def _load(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    return value if isinstance(value, dict) else {"value": value}


class _Names:
    """Ids in audit values shown as the names people know (looked up once per page)."""

    def __init__(self, session: Session, tz: tzinfo) -> None:
        self._session = session
        self._tz = tz
        self._cache: dict[tuple[str, int], str] = {}

    def show(self, key: str, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "✓" if value else "✗"
        if isinstance(value, int):
            table = User if key in _USER_KEYS else Team if key in _TEAM_KEYS else Customer if key in _CUSTOMER_KEYS \
                else None
            if table is not None:
                return self._name(table, value)
        if isinstance(value, str) and _ISO_INSTANT.match(value):
            try:
                return datetime.fromisoformat(value).astimezone(self._tz).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                pass
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value) or "—"
        elif isinstance(value, dict):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            text = str(value)
        return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"

    def _name(self, table: Any, ident: int) -> str:
        key = (table.__name__, ident)
        if key not in self._cache:
            row = self._session.get(table, ident)
            label = (getattr(row, "display_name", "") or row.name) if row is not None else f"#{ident}"
            self._cache[key] = label if table is not Customer else f"{label} (#{ident})"
        return self._cache[key]
