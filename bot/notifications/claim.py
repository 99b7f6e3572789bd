"""Claiming outbox rows with a lease, and recording what became of them.

Claim: one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …``. On PostgreSQL the inner SELECT takes
``FOR UPDATE SKIP LOCKED`` so replicas claim disjoint rows without waiting; on SQLite the statement runs
inside ``BEGIN IMMEDIATE``, whose write lock serializes claimers. A row is claimable when it is pending
and its `not_before` has come, or when it is `sending` but its lease ran out (its claimer died). Lease
instants are computed in Python: SQLite 3.40 returns NULL for ``unixepoch('subsec')``.

Delivery is send-then-mark (at-least-once): a crash between the two leaves the row `sending`, and after
the lease it is sent again. That is the only way a duplicate can happen.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, or_, select, text, update

from bot.notifications.outbox_sql import OUTBOX
from storage.uow import unit_of_work

# Written exactly as the partial indexes' predicate, so SQLite can use them.
_OPEN_STATUSES = text("status IN ('pending', 'sending')")
# The same test for SQLite's planner, marked as true of most rows it is asked about (likelihood() changes only
# the estimate, and the partial index still matches): without fresh statistics SQLite otherwise reads every
# open row through ix_outbox_pending and groups them, 30 ms a claim on a busy morning, where walking
# ix_outbox_open_audience in channel order stops after the claim's audiences (under 1 ms).
_OPEN_STATUSES_SQLITE = text("likelihood(status IN ('pending', 'sending'), 0.99)")
MAX_ERROR_LENGTH = 1000
MAX_ROWS_PER_CLAIM = 500


@dataclass(frozen=True)
class ClaimedNotification:
    """An outbox row this worker holds a lease on."""

    id: int
    kind: str
    subject_id: int
    due_date: date
    channel: str
    recipient_id: int | None
    payload: dict[str, Any] | None
    attempts: int
    stale_after: datetime | None
    created_at: datetime


def claim_due(
    engine: Engine, *, worker_id: str, now: datetime, lease_seconds: float, audiences: int,
    max_rows: int = MAX_ROWS_PER_CLAIM, due_by: datetime | None = None,
) -> list[ClaimedNotification]:
    """Lease to `worker_id` the claimable rows of up to `audiences` audiences (at most `max_rows`; attempts +1).

    Whole audiences are claimed together so the noise budget sees everything one recipient is due in
    this pass. Pending rows are claimable once `not_before <= due_by` (default `now`); leases that ended
    before `now` are taken over.
    """
    c = OUTBOX.c
    due_by = due_by or now
    is_claimable = and_(
        _OPEN_STATUSES_SQLITE if engine.dialect.name == "sqlite" else _OPEN_STATUSES,
        or_(
            and_(c.status == "pending", c.not_before <= due_by),
            and_(c.status == "sending", c.lease_until < now),
        ),
    )
    first_audiences = select(c.channel).where(is_claimable).group_by(c.channel).order_by(c.channel).limit(audiences)
    claimable = (
        select(c.id)
        .where(is_claimable, c.channel.in_(first_audiences.scalar_subquery()))
        .order_by(c.channel, c.id)
        .limit(max_rows)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks and ignores it
    )
    statement = (
        update(OUTBOX)
        .where(c.id.in_(claimable.scalar_subquery()))
        .values(
            status="sending",
            claimed_by=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=c.attempts + 1,
        )
        .returning(
            c.id, c.kind, c.subject_id, c.due_date, c.channel, c.recipient_id, c.payload, c.attempts,
            c.stale_after, c.created_at,
        )
    )
    with unit_of_work(engine) as session:
        rows = session.execute(statement).all()
    claimed = [
        ClaimedNotification(
            id=r.id, kind=r.kind, subject_id=r.subject_id, due_date=r.due_date, channel=r.channel,
            recipient_id=r.recipient_id, payload=json.loads(r.payload) if r.payload else None,
            attempts=r.attempts, stale_after=r.stale_after, created_at=r.created_at,
        )
        for r in rows
    ]
    return sorted(claimed, key=lambda n: (n.channel, n.id))


def renew_lease(engine: Engine, ids: Sequence[int], *, worker_id: str, until: datetime) -> None:
    """Extend this worker's lease on rows it still holds (long batches behind slow senders)."""
    if ids:
        _update(engine, ids, worker_id, lease_until=until)


def mark_sent(engine: Engine, ids: Sequence[int], *, now: datetime, provider_msg_id: str | None) -> None:
    """Record a delivery; done right after each send so a crash re-sends at most that one message."""
    c = OUTBOX.c
    statement = (
        update(OUTBOX)
        .where(c.id.in_(bindparam("ids", expanding=True)), c.status == "sending")
        .values(status="sent", sent_at=now, lease_until=None, last_error=None, provider_msg_id=provider_msg_id)
    )
    with unit_of_work(engine) as session:
        session.execute(statement, {"ids": list(ids)})


def schedule_retry(
    engine: Engine, ids: Sequence[int], *, worker_id: str, not_before: datetime, error: str, attempt_used: bool = True
) -> None:
    """Put held rows back to `pending` until `not_before`; `attempt_used=False` refunds the claim's attempt
    (rows deferred behind a rate-limited target were never tried)."""
    values: dict[str, Any] = {
        "status": "pending", "not_before": not_before, "lease_until": None, "claimed_by": None,
        "last_error": error[:MAX_ERROR_LENGTH],
    }
    if not attempt_used:
        values["attempts"] = OUTBOX.c.attempts - 1
    _update(engine, ids, worker_id, **values)


def mark_dead(engine: Engine, ids: Sequence[int], *, worker_id: str, error: str) -> None:
    """Give up on held rows: `dead` with the reason, for admins (`deadletters`) and the digest."""
    _update(engine, ids, worker_id, status="dead", lease_until=None, last_error=error[:MAX_ERROR_LENGTH])


def _update(engine: Engine, ids: Sequence[int], worker_id: str, **values: Any) -> None:
    if not ids:
        return
    c = OUTBOX.c
    # Only rows still held by this worker: after a lease ran out another worker owns the row.
    statement = (
        update(OUTBOX)
        .where(c.id.in_(bindparam("ids", expanding=True)), c.status == "sending", c.claimed_by == worker_id)
        .values(**values)
    )
    with unit_of_work(engine) as session:
        session.execute(statement, {"ids": list(ids)})
