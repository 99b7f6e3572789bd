"""Manager digests: daily every morning, weekly on Monday morning, at the manager's local morning hour.

Managers get both by default, in their DM; `digest <daily|weekly> here|off` (a `DigestSubscription`)
moves one to a channel or turns it off, and also lets a non-manager (an admin) subscribe. The content is
gathered when the digest is sent, so it is as fresh as the moment it goes out.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, literal, or_, select
from sqlmodel import Session

from bot.notifications import kinds
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from storage.models import DigestSubscription, User

DM_TARGET = "dm"


def enqueue_digests(session: Session, clocks: ZoneClocks) -> int:
    """Today's daily digest for every subscribed manager, and the weekly one where it is Monday."""
    inserted = _enqueue(session, clocks, kinds.DIGEST_DAILY, "daily")
    mondays = clocks.only(lambda m: m.today.weekday() == 0)
    if mondays is not None:
        inserted += _enqueue(session, mondays, kinds.DIGEST_WEEKLY, "weekly")
    return inserted


def _enqueue(session: Session, clocks: ZoneClocks, kind: str, period: str) -> int:
    occasion = clocks.today(User) if kind == kinds.DIGEST_DAILY else clocks.week_start(User)
    subscription = DigestSubscription
    channel = case(
        (and_(subscription.id.is_not(None), subscription.target != literal(DM_TARGET)), subscription.target),
        else_=user_channel(User.id),
    )
    query = (
        select(*outbox_columns(
            kind, subject_id=User.id, due_date=occasion, channel=channel, recipient_id=User.id, clocks=clocks,
            audience=User, stale_after=clocks.at(User, lambda m: m.today + timedelta(days=1), 0),
        ))
        .select_from(User)
        .outerjoin(subscription, and_(subscription.manager_id == User.id, subscription.kind == period))
        .where(
            User.deactivated_at.is_(None),
            or_(and_(subscription.id.is_(None), User.role == "manager"), subscription.enabled.is_(True)),
            clocks.in_zones(User),
            clocks.morning_passed(User),
        )
    )
    return insert_selected(session, query)
