"""Set-based building blocks for the enqueue statements: ``INSERT … SELECT … ON CONFLICT DO NOTHING``.

Every kind builds one SELECT per zone whose columns line up with `OUTBOX_COLUMNS`; `insert_selected`
turns it into a single statement the unique key `(kind, subject_id, due_date, channel)` makes idempotent,
so every replica may run it on every tick. Nothing here loads ORM objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, String, cast, func, literal, null
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session

from bot.notifications.local_time import LocalMoment, QuietHours, deliverable_from
from config.settings import Settings
from storage.models import NotificationOutbox, User

OUTBOX = NotificationOutbox.__table__
OUTBOX_COLUMNS = (
    "kind", "subject_id", "due_date", "channel", "recipient_id", "payload",
    "status", "not_before", "stale_after", "attempts", "created_at",
)


@dataclass(frozen=True)
class ZonePass:
    """One zone's share of a tick: the local moment plus what every statement needs from settings."""

    moment: LocalMoment
    settings: Settings
    quiet: QuietHours | None

    @property
    def now(self) -> datetime:
        """The tick's instant (UTC)."""
        return self.moment.now

    @property
    def not_before(self) -> datetime:
        """When rows enqueued now may go out: now, or the end of the zone's quiet hours."""
        return deliverable_from(self.now, self.moment.tz, self.quiet)

    def in_zone(self, user: Any = User) -> ColumnElement[bool]:
        """``coalesce(<user>.timezone, :default) = :zone`` for the users table or an alias of it."""
        return func.coalesce(user.timezone, self.settings.defaults.timezone) == self.moment.zone

    def morning_passed(self, user: Any = User) -> ColumnElement[bool]:
        """The user's morning hour (their own, else the default) has come in this zone today."""
        return func.coalesce(user.morning_hour, self.settings.defaults.morning_hour) <= self.moment.hour


def insert_ignoring_duplicates(session: Session) -> Insert:
    """``INSERT INTO notification_outbox`` in the session's dialect, ready for ON CONFLICT DO NOTHING."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(OUTBOX)
    if name == "sqlite":
        return sqlite.insert(OUTBOX)
    raise NotImplementedError(f"the outbox needs PostgreSQL or SQLite, not {name}")


def insert_selected(session: Session, query: Select) -> int:
    """Insert every row `query` selects (columns in `OUTBOX_COLUMNS` order); returns how many were new.

    The SELECT must carry a WHERE clause: SQLite parses ``… FROM t ON CONFLICT`` as a join constraint
    (the upsert ambiguity, sqlite.org/lang_upsert.html), and ``WHERE`` ends the FROM clause.
    """
    if query.whereclause is None:
        raise ValueError("an enqueue SELECT needs a WHERE clause (SQLite upsert parsing)")
    statement = insert_ignoring_duplicates(session).from_select(list(OUTBOX_COLUMNS), query)
    # SQLAlchemy reports INSERT row counts only when asked to (PostgreSQL otherwise answers -1).
    result = session.execute(statement.on_conflict_do_nothing().execution_options(preserve_rowcount=True))
    return max(result.rowcount or 0, 0)


def insert_values(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert precomputed rows (churn warnings scored in Python) with one executemany; returns how many were new."""
    batch = [dict(row) for row in rows]
    if not batch:
        return 0
    statement = insert_ignoring_duplicates(session).on_conflict_do_nothing()
    result = session.execute(statement.execution_options(preserve_rowcount=True), batch)
    return max(result.rowcount or 0, 0)


def outbox_columns(
    kind: str,
    *,
    subject_id: Any,
    due_date: Any,
    channel: Any,
    recipient_id: Any,
    zone_pass: ZonePass,
    stale_after: datetime | None = None,
    payload: Any = None,
) -> list[ColumnElement[Any]]:
    """The SELECT list of one enqueue statement; literals are bound with the outbox columns' types."""
    c = OUTBOX.c
    return [
        literal(kind, c.kind.type).label("kind"),
        subject_id.label("subject_id"),
        (literal(due_date, Date()) if isinstance(due_date, date) else due_date).label("due_date"),
        channel.label("channel"),
        recipient_id.label("recipient_id"),
        (payload if payload is not None else null()).label("payload"),
        literal("pending", c.status.type).label("status"),
        literal(zone_pass.not_before, c.not_before.type).label("not_before"),
        (literal(stale_after, c.stale_after.type) if stale_after else null()).label("stale_after"),
        literal(0, c.attempts.type).label("attempts"),
        literal(zone_pass.now, c.created_at.type).label("created_at"),
    ]


def user_channel(user_id: Any) -> ColumnElement[str]:
    """``'user:' || <id>``: the audience of a user's DM, computed in SQL."""
    return literal("user:", String()) + cast(user_id, String())


def row_values(
    kind: str,
    *,
    subject_id: int,
    due_date: date,
    channel: str,
    recipient_id: int,
    not_before: datetime,
    now: datetime,
    stale_after: datetime | None = None,
    payload: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One outbox row as a dict for `insert_values`."""
    return {
        "kind": kind,
        "subject_id": subject_id,
        "due_date": due_date,
        "channel": channel,
        "recipient_id": recipient_id,
        "payload": json.dumps(payload, sort_keys=True) if payload is not None else None,
        "status": "pending",
        "not_before": not_before,
        "stale_after": stale_after,
        "attempts": 0,
        "created_at": now,
    }
