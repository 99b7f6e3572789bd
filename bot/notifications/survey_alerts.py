"""Low survey scores: the owner and the managers of the customer's team hear of each one at the next tick.

A `Satisfaction` row is marked `low` when it comes in (`bot.services.surveys`); one set-based statement per
audience (owner, managers) turns the recent low rows into outbox rows keyed by the answer, so reruns and
replicas insert nothing twice. The answer itself carries the call-back step ("回访") for the owner.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.notifications.claim import ClaimedNotification
from bot.notifications.notices import (
    _IDS,
    Notice,
    NoticeRenderer,
    ObsoleteNotification,
    RenderContext,
    Subject,
    _by_id,
)
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from bot.services.surveys import SCALES
from storage.models import Customer, ManagerTeam, Satisfaction, User

SURVEY_LOW_SCORE = "survey_low_score"

_Owner = aliased(User, name="owner")
_Manager = aliased(User, name="manager")


def enqueue_low_scores(session: Session, clocks: ZoneClocks) -> int:
    """Low answers of the catch-up window → the owner's DM and each active manager of the customer's team."""
    since = clocks.now - timedelta(days=clocks.catch_up_days)
    recent_low = (col(Satisfaction.low).is_(True), Satisfaction.created_at >= since, Satisfaction.created_at <= clocks.now,
                  Satisfaction.answered_on.is_not(None), Customer.deleted_at.is_(None))
    to_owner = (
        select(*outbox_columns(
            SURVEY_LOW_SCORE, subject_id=Satisfaction.id, due_date=Satisfaction.answered_on,
            channel=user_channel(_Owner.id), recipient_id=_Owner.id, clocks=clocks, audience=_Owner,
        ))
        .select_from(Satisfaction)
        .join(Customer, Customer.id == Satisfaction.customer_id)
        .join(_Owner, _Owner.id == Customer.owner_id)
        .where(*recent_low, _Owner.deactivated_at.is_(None), clocks.in_zones(_Owner))
    )
    to_managers = (
        select(*outbox_columns(
            SURVEY_LOW_SCORE, subject_id=Satisfaction.id, due_date=Satisfaction.answered_on,
            channel=user_channel(_Manager.id), recipient_id=_Manager.id, clocks=clocks, audience=_Manager,
        ))
        .select_from(Satisfaction)
        .join(Customer, Customer.id == Satisfaction.customer_id)
        .join(_Owner, _Owner.id == Customer.owner_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, _Owner.team_id))
        .join(_Manager, _Manager.id == ManagerTeam.manager_id)
        .where(*recent_low, _Manager.id != Customer.owner_id, _Manager.deactivated_at.is_(None),
               clocks.in_zones(_Manager))
    )
    return insert_selected(session, to_owner) + insert_selected(session, to_managers)


def _load(session: Session, ids: Any) -> dict[int, Subject]:
    return _by_id(session, select(
        Satisfaction.id.label("subject_id"), Satisfaction.score, Satisfaction.scale, Satisfaction.comment,
        Customer.id.label("customer_id"), Customer.name, Customer.deleted_at.label("customer_deleted_at"),
        _Owner.id.label("owner_id"), _Owner.display_name.label("owner_display"), _Owner.name.label("owner_name"),
    ).join(Customer, Customer.id == Satisfaction.customer_id).join(_Owner, _Owner.id == Customer.owner_id)
        .where(Satisfaction.id.in_(_IDS)), ids)


def _check(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("survey answer or customer deleted")


def _render(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {"customer": found.name, "score": found.score, "top": SCALES.get(found.scale, (1, 5))[1],
              "comment": found.comment, "owner": found.owner_display or found.owner_name,
              "for_owner": ctx.recipient.id == found.owner_id}
    card = ctx.customer_card(found.customer_id, found.name, log=True)
    return Notice(row.kind, ctx.t("survey_low_score_line", **params),
                  (ctx.reply(ctx.t("survey_low_score", **params), card),))


render_low_score = NoticeRenderer(_load, _check, _render)
