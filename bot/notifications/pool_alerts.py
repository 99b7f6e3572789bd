"""The public pool's pushes, and the pass that releases customers into the pool:

- ``pool_warning``: the owner of a customer that will return to the pool within ``pool.warn_days_before``
  days, once per release date (a follow-up moves the date, and a later silence warns again);
- ``pool_released``: the previous owner, once per release, when the customer went to the pool.

Both come from one hourly enqueue step, which first releases what is due (`bot.pool.service.release_due`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import BindParameter, Engine, bindparam, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.notifications.claim import ClaimedNotification
from bot.notifications.local_time import zone_or_default
from bot.notifications.notices import Notice, NoticeRenderer, ObsoleteNotification, RenderContext, Subject
from bot.notifications.outbox_sql import (
    insert_selected,
    insert_values,
    outbox_columns,
    row_values,
    user_channel,
)
from bot.notifications.zone_clocks import ZoneClocks
from bot.pool.service import due_for_release, release_days_by_team, release_due, silent_since
from bot.services.lifecycle import run_nightly
from storage.models import Customer, PoolRelease, User
from storage.uow import unit_of_work

POOL_WARNING = "pool_warning"
POOL_RELEASED = "pool_released"

Owner = aliased(User, name="owner")
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def run_pool_pass(engine: Engine, clocks: ZoneClocks) -> int:
    """The book's daily care: tonight's stage and tier pass when due (`bot.services.lifecycle`), then release the
    customers that are due, tell their previous owners, warn the owners of those due soon."""
    run_nightly(engine, clocks.settings, clocks.now)
    with unit_of_work(engine) as session:
        release_due(session, clocks.settings, now=clocks.now)
        told = _enqueue_released(session, clocks)
        return told + _enqueue_warnings(session, clocks)


def _enqueue_released(session: Session, clocks: ZoneClocks) -> int:
    query = (
        select(*outbox_columns(
            POOL_RELEASED, subject_id=PoolRelease.id, due_date=PoolRelease.released_on,
            channel=user_channel(PoolRelease.previous_owner_id), recipient_id=PoolRelease.previous_owner_id,
            clocks=clocks, audience=Owner,
        ))
        .select_from(PoolRelease)
        .join(Owner, Owner.id == PoolRelease.previous_owner_id)
        .where(PoolRelease.released_at >= clocks.now - timedelta(days=clocks.catch_up_days + 1),
               col(Owner.deactivated_at).is_(None), clocks.in_zones(Owner))
    )
    # Keyed by the release: each is told once (reruns and replicas insert nothing).
    return insert_selected(session, query)


def _enqueue_warnings(session: Session, clocks: ZoneClocks) -> int:
    settings = clocks.settings
    lead = timedelta(days=settings.pool.warn_days_before)
    soon = due_for_release(session, settings, before=clocks.now + lead)
    rows = session.exec(
        select(Customer.id, Customer.team_id, Customer.owner_id, silent_since(), Owner.timezone, Owner.morning_hour)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(soon, col(Owner.deactivated_at).is_(None))
    ).all()
    if not rows:
        return 0
    default, overrides = release_days_by_team(session, settings)

    def warnings() -> Iterator[dict[str, Any]]:
        for customer_id, team_id, owner_id, since, zone, morning in rows:
            days = overrides.get(team_id, default) if team_id is not None else default
            moment = clocks.moment(zone_or_default(zone, settings))
            if not days or moment is None:
                continue
            if (morning if morning is not None else settings.defaults.morning_hour) > moment.hour:
                continue
            release_on = (since + timedelta(days=days)).astimezone(moment.tz).date()
            yield row_values(POOL_WARNING, subject_id=customer_id, due_date=release_on,
                             channel=f"user:{owner_id}", recipient_id=owner_id,
                             not_before=clocks.not_before_in(moment), now=clocks.now)

    return insert_values(session, warnings())


def _load_customers(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    statement = select(Customer.id.label("subject_id"), Customer.id, Customer.name, Customer.pooled_at,
                       Customer.deleted_at, Customer.last_contact_at).where(Customer.id.in_(_IDS))
    return {row.subject_id: row for row in session.execute(statement, {"ids": list(ids)})}


def _check_warning(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None:
        raise ObsoleteNotification("customer deleted")
    if found.pooled_at is not None:
        raise ObsoleteNotification("customer already in the pool")
    if found.last_contact_at is not None and found.last_contact_at > row.created_at:
        raise ObsoleteNotification("customer followed up since the warning was queued")


def _warning(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {"customer": found.name, "id": found.id, "day": row.due_date.isoformat(),
              "days": (row.due_date - ctx.today).days}
    card = ctx.customer_card(found.id, found.name, log=True)
    return Notice(row.kind, ctx.t("pool_warning_line", **params), (ctx.reply(ctx.t("pool_warning", **params), card),))


def _load_releases(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    statement = (select(PoolRelease.id.label("subject_id"), PoolRelease.released_at, PoolRelease.ended_at,
                        Customer.id.label("customer_id"), Customer.name, Customer.deleted_at)
                 .join(Customer, Customer.id == PoolRelease.customer_id).where(PoolRelease.id.in_(_IDS)))
    return {row.subject_id: row for row in session.execute(statement, {"ids": list(ids)})}


def _check_released(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None:
        raise ObsoleteNotification("customer deleted")


def _released(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {"customer": found.name, "id": found.customer_id, "taken": found.ended_at is not None}
    return Notice(row.kind, ctx.t("pool_released_line", **params), (ctx.reply(ctx.t("pool_released", **params)),))


render_pool_warning = NoticeRenderer(_load_customers, _check_warning, _warning)
render_pool_released = NoticeRenderer(_load_releases, _check_released, _released)
