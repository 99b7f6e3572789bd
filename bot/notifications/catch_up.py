"""How far back an enqueue pass reaches: the usual catch-up window, widened after downtime.

Each date-keyed kind (steps, reminders, escalations, payments) enqueues the occasions of the last
`kinds.CATCH_UP_DAYS` days on every pass, so a pass that ran late or a short outage loses nothing. A bot that
was down longer reaches back to its last complete pass (kept in ``scheduler_state``) plus that window; a
database that was never ticked reaches back without limit. The outbox's unique key keeps every occasion to
one push however often the window covers it; greetings are the only kind that go stale instead: those of
days without any pass are recorded as stale (`missed_days`), so the digest counts them with the others.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.notifications import kinds
from storage.models import SchedulerState

ENQUEUE_PASS = "enqueue"
#: Reach of a pass on a database no pass has completed on yet: everything still open.
UNBOUNDED_DAYS = 36_500
#: Days of downtime whose birthday greetings are recorded as skipped (stale), so the digest can count them.
MAX_MISSED_DAYS = 366


def last_pass(session: Session) -> datetime | None:
    """The instant of the last complete enqueue pass, or None on a database never ticked."""
    return session.exec(select(SchedulerState.at).where(SchedulerState.name == ENQUEUE_PASS)).first()


def catch_up_days(last: datetime | None, now: datetime) -> int:
    """How many days back a pass at `now` enqueues missed occasions (at least `kinds.CATCH_UP_DAYS`)."""
    if last is None:
        return UNBOUNDED_DAYS
    away = (now - last).total_seconds() / 86_400
    return kinds.CATCH_UP_DAYS + max(0, math.ceil(away))


def missed_days(last: datetime | None, today: date) -> list[date]:
    """Local days with no pass at all between the last pass (seen in the same zone) and `today`: their
    greetings were never enqueued. At most `MAX_MISSED_DAYS`, the latest ones."""
    if last is None:
        return []
    first = max(last.date() + timedelta(days=1), today - timedelta(days=MAX_MISSED_DAYS))
    return [first + timedelta(days=n) for n in range((today - first).days)]


def record_pass(session: Session, now: datetime) -> None:
    """Remember `now` as the latest complete pass (never moves back: replicas and `tick --now` may race)."""
    table = SchedulerState.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.values(name=ENQUEUE_PASS, at=now)
    later = case((statement.excluded.at > table.c.at, statement.excluded.at), else_=table.c.at)
    session.execute(statement.on_conflict_do_update(index_elements=[table.c.name], set_={"at": later}))
