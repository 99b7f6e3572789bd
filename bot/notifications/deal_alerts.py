"""Two notification kinds of the pipeline, pushed to the deal's owner:

- ``deal_stuck``: a deal resting in one stage longer than ``pipeline.stuck_after_days``; keyed by the stay
  (``deal_stage`` row), so each visit of a stage alerts once, and moving the deal on ends the occasion;
- ``deal_past_close``: an open deal whose expected close date has passed; keyed by that date, so a deal given
  a new date that passes too alerts again.

Each has one set-based enqueue statement for every zone at once (through `outbox_sql`), reaching back the
catch-up window like the other date-keyed kinds, and a renderer that reads the batch's deals in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

import bot.pipeline.actions  # noqa: F401  (declares the deal buttons)
from bot.actions import button
from bot.messages import Card
from bot.notifications.claim import ClaimedNotification
from bot.notifications.notices import Notice, NoticeRenderer, ObsoleteNotification, RenderContext, Subject
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from bot.pipeline.stages import stage_registry
from bot.services.money import format_money
from bot.text.when import When, format_when
from storage.models import Customer, DealStageVisit, Opportunity, User

DEAL_STUCK = "deal_stuck"
DEAL_PAST_CLOSE = "deal_past_close"

Owner = aliased(User, name="owner")
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def _live(clocks: ZoneClocks) -> tuple:
    return (Opportunity.status == "open", col(Opportunity.deleted_at).is_(None), col(Customer.deleted_at).is_(None),
            col(Owner.deactivated_at).is_(None), clocks.in_zones(Owner), clocks.morning_passed(Owner))


def enqueue_stuck_deals(session: Session, clocks: ZoneClocks) -> int:
    """Current stays older than the stuck threshold (within the catch-up window past it) → the deal's owner."""
    stuck = timedelta(days=clocks.settings.pipeline.stuck_after_days)
    query = (
        select(*outbox_columns(
            DEAL_STUCK, subject_id=DealStageVisit.id, due_date=DealStageVisit.entered_on,
            channel=user_channel(Opportunity.owner_id), recipient_id=Opportunity.owner_id, clocks=clocks,
            audience=Owner,
        ))
        .select_from(DealStageVisit)
        .join(Opportunity, Opportunity.id == DealStageVisit.deal_id)
        .join(Customer, Customer.id == Opportunity.customer_id)
        .join(Owner, Owner.id == Opportunity.owner_id)
        .where(
            col(DealStageVisit.left_at).is_(None),  # ix_deal_stage_open_since
            DealStageVisit.entered_at <= clocks.now - stuck,
            DealStageVisit.entered_at >= clocks.now - stuck - timedelta(days=clocks.catch_up_days + 1),
            *_live(clocks),
        )
    )
    return insert_selected(session, query)


def enqueue_past_close_deals(session: Session, clocks: ZoneClocks) -> int:
    """Open deals whose expected close passed yesterday (or within the catch-up window) → the deal's owner."""
    first, last = -clocks.catch_up_days, -1
    query = (
        select(*outbox_columns(
            DEAL_PAST_CLOSE, subject_id=Opportunity.id, due_date=Opportunity.expected_close,
            channel=user_channel(Opportunity.owner_id), recipient_id=Opportunity.owner_id, clocks=clocks,
            audience=Owner,
        ))
        .select_from(Opportunity)
        .join(Customer, Customer.id == Opportunity.customer_id)
        .join(Owner, Owner.id == Opportunity.owner_id)
        .where(
            # The plain bounds over every zone first: the range scan of ix_opportunity_open_close.
            col(Opportunity.expected_close) >= clocks.first_today + timedelta(days=first),
            col(Opportunity.expected_close) <= clocks.last_today + timedelta(days=last),
            Opportunity.expected_close >= clocks.today(Owner, plus_days=first),
            Opportunity.expected_close <= clocks.today(Owner, plus_days=last),
            *_live(clocks),
        )
    )
    return insert_selected(session, query)


def _deal_columns() -> tuple:
    return (Opportunity.id.label("deal_id"), Opportunity.title, Opportunity.stage, Opportunity.status,
            Opportunity.amount, Opportunity.currency, Opportunity.expected_close, Opportunity.deleted_at,
            Customer.id.label("customer_id"), Customer.name.label("customer"),
            Customer.deleted_at.label("customer_deleted_at"))


def _load_stays(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    statement = (select(DealStageVisit.id.label("subject_id"), DealStageVisit.entered_at, DealStageVisit.left_at,
                        DealStageVisit.stage.label("visit_stage"), *_deal_columns())
                 .join(Opportunity, Opportunity.id == DealStageVisit.deal_id)
                 .join(Customer, Customer.id == Opportunity.customer_id)
                 .where(DealStageVisit.id.in_(_IDS)))
    return {row.subject_id: row for row in session.execute(statement, {"ids": list(ids)})}


def _load_deals(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    statement = (select(Opportunity.id.label("subject_id"), *_deal_columns())
                 .join(Customer, Customer.id == Opportunity.customer_id)
                 .where(Opportunity.id.in_(_IDS)))
    return {row.subject_id: row for row in session.execute(statement, {"ids": list(ids)})}


def _check_deal(found: Subject) -> None:
    if found is None or found.deleted_at is not None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("deal or customer deleted")
    if found.status != "open":
        raise ObsoleteNotification(f"deal {found.status} in the meantime")


def _check_stuck(row: ClaimedNotification, found: Subject) -> None:
    _check_deal(found)
    if found.left_at is not None:
        raise ObsoleteNotification("deal moved on to another stage")


def _check_past_close(row: ClaimedNotification, found: Subject) -> None:
    _check_deal(found)
    if found.expected_close != row.due_date:
        raise ObsoleteNotification(f"expected close moved to {found.expected_close}")


def _card(ctx: RenderContext, found: Subject) -> Card:
    ref = f"D{found.deal_id}"
    actions = (button(ctx.lang, "deal_show", deal=found.deal_id, style="primary", label=ctx.t("action_show")),
               button(ctx.lang, "deal_won", deal=found.deal_id), button(ctx.lang, "deal_lost", deal=found.deal_id))
    return Card(title=f"{ref} {found.title}", subtitle=found.customer, actions=actions, customer_id=found.customer_id)


def _params(ctx: RenderContext, found: Subject) -> dict[str, object]:
    stage = stage_registry(ctx.settings).get(found.stage)
    return {"ref": f"D{found.deal_id}", "title": found.title, "customer": found.customer,
            "stage": stage.name(ctx.lang),
            "amount": format_money(found.amount, found.currency) if found.amount is not None else None}


def _stuck(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {**_params(ctx, found), "days": (ctx.now - found.entered_at).days}
    return Notice(row.kind, ctx.t("deal_stuck_line", **params),
                  (ctx.reply(ctx.t("deal_stuck", **params), _card(ctx, found)),))


def _past_close(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {**_params(ctx, found), "days": (ctx.today - found.expected_close).days,
              "close": format_when(When(found.expected_close, None, ctx.recipient.tz), ctx.lang)}
    return Notice(row.kind, ctx.t("deal_past_close_line", **params),
                  (ctx.reply(ctx.t("deal_past_close", **params), _card(ctx, found)),))


render_stuck_deal = NoticeRenderer(_load_stays, _check_stuck, _stuck)
render_past_close_deal = NoticeRenderer(_load_deals, _check_past_close, _past_close)
