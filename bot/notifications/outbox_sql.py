"""Set-based building blocks for the enqueue statements: ``INSERT … SELECT … ON CONFLICT DO NOTHING``.

Every kind builds one SELECT for all zones (see `zone_clocks`) whose columns line up with `OUTBOX_COLUMNS`;
`insert_selected` turns it into a single statement the unique key `(kind, subject_id, due_date, channel)`
makes idempotent, so every replica may run it on every tick. Nothing here loads ORM objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, String, cast, literal, null
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session

from bot.notifications.zone_clocks import ZoneClocks
from storage.models import NotificationOutbox

OUTBOX = NotificationOutbox.__table__
OUTBOX_COLUMNS = (
    "kind", "subject_id", "due_date", "channel", "recipient_id", "payload",
    "status", "not_before", "stale_after", "attempts", "created_at",
)


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
    clocks: ZoneClocks,
    audience: Any,
    stale_after: Any = None,
    payload: Any = None,
) -> list[ColumnElement[Any]]:
    """The SELECT list of one enqueue statement; literals are bound with the outbox columns' types.

    `audience` is the users table (or alias) whose zone decides when the row may go out (quiet hours).
    """
    c = OUTBOX.c
    return [
        literal(kind, c.kind.type).label("kind"),
        subject_id.label("subject_id"),
        (literal(due_date, Date()) if isinstance(due_date, date) else due_date).label("due_date"),
        channel.label("channel"),
        recipient_id.label("recipient_id"),
        (payload if payload is not None else null()).label("payload"),
        literal("pending", c.status.type).label("status"),
        clocks.not_before(audience).label("not_before"),
        _stale_after(stale_after).label("stale_after"),
        literal(0, c.attempts.type).label("attempts"),
        literal(clocks.now, c.created_at.type).label("created_at"),
    ]


def _stale_after(value: Any) -> ColumnElement[Any]:
    if value is None:
        return null()
    return literal(value, OUTBOX.c.stale_after.type) if isinstance(value, datetime) else value


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
