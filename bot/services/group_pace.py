"""The per-group send rate, shared by every replica through the database.

A platform that limits how many messages a robot may post into one group per minute (DingTalk: 20) limits
the group, not a process: two replicas that each keep their own count send twice the limit. So every send
into a group — an answer through the session webhook as much as a push — first takes a slot here: the sends
of the last `window` are rows of `group_send`, counted and added under a per-group lock (a transaction-scoped
advisory lock on PostgreSQL; SQLite's write transactions are serial anyway), so concurrent replicas never
both take the last slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from storage.models import GroupSend


def reserve(session: Session, *, target: str, count: int, limit: int, window: timedelta, now: datetime) -> float:
    """Take `count` send slots of `target` and return 0.0, or take none and return the seconds until they free."""
    if count > limit:
        raise ValueError(f"cannot send {count} messages at once with a limit of {limit}")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:target, 0))"), {"target": target})
    since = now - window
    session.execute(delete(GroupSend).where(col(GroupSend.target) == target, col(GroupSend.sent_at) <= since))
    recent = list(session.exec(select(GroupSend.sent_at).where(col(GroupSend.target) == target)
                               .order_by(col(GroupSend.sent_at))).all())
    free = limit - len(recent)
    if free >= count:
        session.add_all([GroupSend(target=target, sent_at=now) for _ in range(count)])
        return 0.0
    # The slot we need frees when the (count - free)-th oldest send leaves the window.
    frees_at = recent[count - free - 1] + window
    return max(0.001, (frees_at - now).total_seconds())


def sent_since(session: Session, *, target: str, since: datetime) -> int:
    """How many sends into `target` were counted since `since` (for tests and diagnostics)."""
    return session.exec(select(func.count()).select_from(GroupSend)
                        .where(col(GroupSend.target) == target, col(GroupSend.sent_at) > since)).one()
