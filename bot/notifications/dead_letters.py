"""Dead letters: notifications that ended `dead`, for the admin command `deadletters` (死信).

Reasons start with a code: ``permanent:`` (the platform refused for good), ``gave up after N attempts:``,
``unroutable:`` (no chat identity / bad channel key), and two that are not failures but are kept for the
record: ``stale:`` (a greeting past its evening cut-off), ``obsolete:`` (step done or order paid before
the push went out) and ``deactivated:`` (the recipient was deactivated after it was queued). Listing shows failures unless asked for everything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select, update
from sqlmodel import Session

from bot.notifications.catalog import occasion_label
from bot.notifications.outbox_sql import OUTBOX
from storage.models import User

SKIPPED_PREFIXES = ("stale:", "obsolete:", "deactivated:")
LIST_LIMIT = 20


@dataclass(frozen=True)
class DeadLetter:
    """One dead notification as an admin sees it."""

    id: int
    kind: str
    subject_id: int
    occasion: str
    recipient: str
    attempts: int
    reason: str
    due_date: date


_GAVE_UP = re.compile(r"gave up after \d+ attempts:")


def why_dead(reason: str) -> tuple[str, str]:
    """``(code, detail)``: why a letter is dead, for a reply to name in the reader's language (the stored
    reason is the log's English). Codes: stale, obsolete, deactivated, permanent, gave_up, unroutable,
    failed (anything else); the detail is the rest (the platform's own words for a refusal)."""
    for prefix in (*SKIPPED_PREFIXES, "permanent:", "unroutable:"):
        if reason.startswith(prefix):
            return prefix[:-1], reason[len(prefix):].strip()
    gave_up = _GAVE_UP.match(reason)
    if gave_up:
        return "gave_up", reason[gave_up.end():].strip()
    return "failed", reason


def _in_tenant(tenant: str):
    return OUTBOX.c.recipient_id.in_(select(User.id).where(User.tenant == tenant))


def _failures_only():
    return and_(*(func.coalesce(OUTBOX.c.last_error, "").not_like(f"{prefix}%") for prefix in SKIPPED_PREFIXES))


def list_dead_letters(session: Session, *, tenant: str, include_skipped: bool = False,
                      limit: int = LIST_LIMIT) -> tuple[list[DeadLetter], int]:
    """The newest dead letters of `tenant` (failures only unless `include_skipped`) and how many there are."""
    c = OUTBOX.c
    where = [c.status == "dead", _in_tenant(tenant)]
    if not include_skipped:
        where.append(_failures_only())
    who = func.coalesce(func.nullif(User.display_name, ""), User.name)
    rows = session.execute(
        select(c.id, c.kind, c.subject_id, c.due_date, who, c.attempts, c.last_error)
        .join(User, User.id == c.recipient_id)
        .where(*where).order_by(c.id.desc()).limit(limit)
    ).all()
    total = session.execute(select(func.count()).select_from(OUTBOX).where(*where)).scalar_one()
    letters = [
        DeadLetter(id=r[0], kind=r[1], subject_id=r[2], occasion=occasion_label(r[1], r[2], r[3]), recipient=r[4], attempts=r[5],
                   reason=r[6] or "", due_date=r[3])
        for r in rows
    ]
    return letters, total


def retry_dead_letters(session: Session, *, tenant: str, now: datetime, ids: Sequence[int] | None = None) -> int:
    """Put dead letters of `tenant` back in the queue (all failures when `ids` is None); returns how many.

    The retry starts afresh: attempts reset, due now, and no stale cut-off (an admin asked for it).
    """
    c = OUTBOX.c
    where = [c.status == "dead", _in_tenant(tenant)]
    if ids is None:
        where.append(_failures_only())
    else:
        where.append(c.id.in_(list(ids)))
    statement = (
        update(OUTBOX).where(*where)
        .values(status="pending", not_before=now, attempts=0, stale_after=None, claimed_by=None, lease_until=None,
                last_error=None)
    )
    return max(session.execute(statement).rowcount or 0, 0)
