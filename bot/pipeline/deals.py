"""Deals (商机): finding one by its ``D<n>`` reference among the customers a user may see, creating it, moving it
through the stages (each stay recorded in ``deal_stage``) and closing it as won or lost.

Writers of one deal queue on its row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock), and the
database keeps the rest true whatever the interleaving: one current stay per deal, status and stage in step,
one order per won deal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.access import visible_customers
from bot.errors import UserError
from bot.pipeline.stages import LOST, WON, Stage, StageRegistry
from storage.models import Customer, DealStageVisit, Opportunity, User

DEAL_REF = re.compile(r"^#?[Dd](\d{1,12})$")


def deal_ref(deal: Opportunity) -> str:
    """How a deal is named everywhere: ``D12``."""
    return f"D{deal.id}"


def parse_deal_ref(text: str) -> int:
    """The id in ``D12`` / ``d12`` / ``#D12``; a clear refusal otherwise."""
    match = DEAL_REF.match(text.strip())
    if not match:
        raise UserError("deals:bad_ref", ref=text)
    return int(match[1])


def load_deal(session: Session, user: User, ref: str, *, lock: bool = False) -> tuple[Opportunity, Customer]:
    """The deal `ref` names with its customer, if the customer is one `user` may see (the same answer as a
    missing deal otherwise); `lock` holds the deal's row until the transaction ends."""
    query = (
        select(Opportunity, Customer)
        .join(Customer, Customer.id == Opportunity.customer_id)
        .where(Opportunity.id == parse_deal_ref(ref), Opportunity.tenant == user.tenant,
               col(Opportunity.deleted_at).is_(None), visible_customers(session, user))
    )
    if lock:
        query = query.with_for_update(of=Opportunity)
    found = session.exec(query).first()
    if found is None:
        raise UserError("deals:not_found", ref=ref.strip())
    deal, customer = found
    if lock:
        session.refresh(deal)  # a writer that waited for the lock reads what the one before it committed
    return deal, customer


def snapshot(deal: Opportunity) -> dict[str, Any]:
    """The audited fields of a deal."""
    return {"customer_id": deal.customer_id, "owner_id": deal.owner_id, "title": deal.title,
            "amount": None if deal.amount is None else str(deal.amount), "currency": deal.currency,
            "stage": deal.stage, "expected_close": deal.expected_close, "status": deal.status,
            "lost_reason": deal.lost_reason}


@dataclass(frozen=True)
class NewDeal:
    """What a user typed for a new deal."""

    title: str
    amount: Decimal | None
    currency: str
    expected_close: date | None
    stage: Stage


def create_deal(session: Session, *, customer: Customer, owner: User, spec: NewDeal, now: datetime) -> Opportunity:
    """A new open deal of `customer`, owned by `owner`, with its first stay."""
    deal = Opportunity(tenant=customer.tenant, customer_id=customer.id, owner_id=owner.id, title=spec.title,
                       amount=spec.amount, currency=spec.currency, stage=spec.stage.key,
                       expected_close=spec.expected_close, status="open", stage_since=now, created_by=owner.id,
                       created_at=now, updated_at=now)
    session.add(deal)
    session.flush()
    session.add(DealStageVisit(deal_id=deal.id, stage=deal.stage, entered_at=now, entered_on=now.astimezone(UTC).date(),
                               by_user_id=owner.id))
    session.flush()
    return deal


def enter_stage(session: Session, deal: Opportunity, stage: Stage, *, by: User, now: datetime,
                reason: str | None = None) -> None:
    """Move `deal` (locked by the caller) into `stage`: the current stay ends, a new one starts; a closing
    stage closes the deal, an open one (re)opens it."""
    session.exec(
        update(DealStageVisit)
        .where(col(DealStageVisit.deal_id) == deal.id, col(DealStageVisit.left_at).is_(None))
        .values(left_at=now)
    )
    session.add(DealStageVisit(deal_id=deal.id, stage=stage.key, entered_at=now, entered_on=now.astimezone(UTC).date(),
                               by_user_id=by.id))
    deal.stage = stage.key
    deal.stage_since = now
    deal.updated_at = now
    if stage.closed:
        deal.status = stage.key
        deal.closed_at = now
        deal.lost_reason = reason if stage.key == LOST else None
    else:
        deal.status = "open"
        deal.closed_at = None
        deal.lost_reason = None
    session.add(deal)
    session.flush()


def move_open_deals(session: Session, customer_ids: Any, *, to_user_id: int, now: datetime) -> int:
    """Give `to_user_id` the open deals of the customers `customer_ids` selects (a customer's open deals follow
    its owner: assign, handover, a claim from the pool); closed deals stay with whoever closed them."""
    result = session.exec(
        update(Opportunity)
        .where(col(Opportunity.customer_id).in_(customer_ids), Opportunity.status == "open",
               col(Opportunity.deleted_at).is_(None), Opportunity.owner_id != to_user_id)
        .values(owner_id=to_user_id, updated_at=now)
    )
    return result.rowcount or 0


def stage_history(session: Session, deal: Opportunity) -> list[DealStageVisit]:
    """Every stay of `deal`, oldest first."""
    return list(session.exec(
        select(DealStageVisit).where(DealStageVisit.deal_id == deal.id)
        .order_by(col(DealStageVisit.entered_at), col(DealStageVisit.id))
    ).all())


def customer_deals(session: Session, customer: Customer, *, limit: int = 5) -> list[Opportunity]:
    """The customer's open deals (soonest expected close first), for its card."""
    return list(session.exec(
        select(Opportunity)
        .where(Opportunity.customer_id == customer.id, Opportunity.status == "open",
               col(Opportunity.deleted_at).is_(None))
        .order_by(col(Opportunity.expected_close).is_(None), col(Opportunity.expected_close), col(Opportunity.id))
        .limit(limit)
    ).all())


def weighted(deal: Opportunity, stages: StageRegistry) -> Decimal | None:
    """The deal's amount times its stage's probability (None without an amount)."""
    if deal.amount is None:
        return None
    return (deal.amount * stages.get(deal.stage).weight).quantize(Decimal("0.01"))


__all__ = ["LOST", "WON", "DEAL_REF", "NewDeal", "create_deal", "customer_deals", "deal_ref", "enter_stage",
           "load_deal", "parse_deal_ref", "snapshot", "stage_history", "weighted"]
