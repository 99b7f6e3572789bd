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
from bot.notifications.outbox_sql import ZonePass, insert_selected, outbox_columns, user_channel
from storage.models import DigestSubscription, User

DM_TARGET = "dm"


def enqueue_digests(session: Session, zp: ZonePass) -> int:
    """Today's daily digest (and on Mondays the weekly one) for every subscribed manager in this zone."""
    m = zp.moment
    inserted = _enqueue(session, zp, kinds.DIGEST_DAILY, "daily")
    if m.today.weekday() == 0:
        inserted += _enqueue(session, zp, kinds.DIGEST_WEEKLY, "weekly")
    return inserted


def _enqueue(session: Session, zp: ZonePass, kind: str, period: str) -> int:
    m = zp.moment
    occasion = m.today if kind == kinds.DIGEST_DAILY else m.week_start
    subscription = DigestSubscription
    channel = case(
        (and_(subscription.id.is_not(None), subscription.target != literal(DM_TARGET)), subscription.target),
        else_=user_channel(User.id),
    )
    query = (
        select(*outbox_columns(
            kind, subject_id=User.id, due_date=occasion, channel=channel, recipient_id=User.id, zone_pass=zp,
            stale_after=m.at(m.today + timedelta(days=1), 0),
        ))
        .select_from(User)
        .outerjoin(subscription, and_(subscription.manager_id == User.id, subscription.kind == period))
        .where(
            User.deactivated_at.is_(None),
            or_(and_(subscription.id.is_(None), User.role == "manager"), subscription.enabled.is_(True)),
            zp.in_zone(User),
            zp.morning_passed(User),
        )
    )
    return insert_selected(session, query)
