"""The nightly book pass: every customer's lifecycle stage and tier recomputed from its orders and its contact
rhythm, so a customer silent for months stops showing ``lead`` on its card while `today` and the digests call it
lapsed.

Stages (`bot.services.customer_value.stage_for`, the same rule every order applies): lead → first purchase (new)
→ repeat / loyal (active) → at risk → churned (lost), read from the rhythm assessment the churn warnings and the
digests use; a churned customer that buys again is won back to repeat. Tiers come from the trailing-12-month
value in ``[lifecycle] tier_currency`` against ``tier_key`` / ``tier_vip``; a tier set by hand stays. Every
change is audited (``via: nightly``).

It runs once a day, at the first tick after ``[lifecycle] hour`` in the default zone (remembered in
``scheduler_state``, so replicas and restarts do not run it twice), in one read of the figures and one batch of
updates and audit rows.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Numeric, bindparam, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from bot.calendar.churn import assess_many, population_gaps_by_segment
from bot.notifications.churn_features import all_churn_rows, churn_items, created_ordinals
from bot.services.customer_value import (
    LOYAL_WINDOW_DAYS,
    TIER_WINDOW_DAYS,
    OrderFigures,
    stage_for,
    tier_for,
    tier_rule,
)
from config.settings import Settings
from storage.models import AuditLog, Customer, Order, SchedulerState
from storage.uow import unit_of_work

STATE = "lifecycle"


def due(engine: Engine, settings: Settings, now: datetime) -> bool:
    """Whether tonight's pass has yet to run: past the hour in the default zone, not run today."""
    tz = ZoneInfo(settings.defaults.timezone)
    local = now.astimezone(tz)
    if local.hour < settings.lifecycle.hour:
        return False
    with unit_of_work(engine, write=False) as session:
        last = session.get(SchedulerState, STATE)
        return last is None or last.at.astimezone(tz).date() < local.date()


def recompute_book(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Recompute every live customer's stage and tier; returns how many changed (each audited)."""
    tz = ZoneInfo(settings.defaults.timezone)
    today = now.astimezone(tz).date()
    rows = all_churn_rows(engine, today=today)  # read before the write transaction, as the churn warnings do
    items = churn_items(rows)
    levels = {customer_id: a.level for customer_id, a in assess_many(
        items, today=today, population_gaps=population_gaps_by_segment(items), created_ordinals=created_ordinals(rows))}
    currency, thresholds = tier_rule(settings)
    loyal_since, revenue_since = today - timedelta(days=LOYAL_WINDOW_DAYS), today - timedelta(days=TIER_WINDOW_DAYS)
    with unit_of_work(engine) as session:
        state = session.get(SchedulerState, STATE, with_for_update=True)
        if state is not None and state.at.astimezone(tz).date() >= today:
            return 0  # another replica ran it meanwhile
        table = SchedulerState.__table__
        upsert = (postgresql.insert(table) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(table))
        session.execute(upsert.values(name=STATE, at=now).on_conflict_do_update(index_elements=["name"],
                                                                              set_={"at": now}))
        figures = {row[0]: OrderFigures(int(row[1]), int(row[2]), Decimal(str(row[3]))) for row in session.execute(
            select(Order.customer_id, func.count(Order.id),
                   func.coalesce(func.sum(case((Order.ordered_on >= loyal_since, 1), else_=0)), 0),
                   func.coalesce(func.sum(case(((Order.ordered_on >= revenue_since)
                                                & (Order.currency == currency), Order.amount), else_=0)),
                                 0, type_=Numeric(16, 2)))
            .where(col(Order.deleted_at).is_(None)).group_by(Order.customer_id))}
        none = OrderFigures(0, 0, Decimal(0))
        changes: list[dict] = []
        audits: list[dict] = []
        for customer_id, tenant, stage, tier, manual in session.execute(
            select(Customer.id, Customer.tenant, Customer.stage, Customer.tier, Customer.tier_manual)
            .where(col(Customer.deleted_at).is_(None))
        ).all():
            own = figures.get(customer_id, none)
            new_stage = stage_for(own, levels.get(customer_id))
            new_tier = tier if manual else tier_for(own.revenue_12m, thresholds)
            if (new_stage, new_tier) == (stage, tier):
                continue
            changes.append({"b_id": customer_id, "b_stage": new_stage, "b_tier": new_tier})
            before = {k: v for k, v, n in (("stage", stage, new_stage), ("tier", tier, new_tier)) if v != n}
            after = {k: n for k, v, n in (("stage", stage, new_stage), ("tier", tier, new_tier)) if v != n}
            audits.append({"tenant": tenant, "user_id": None, "platform": "scheduler", "action": "update",
                           "entity": "customer", "entity_id": customer_id, "at": now,
                           "before": json.dumps(before, sort_keys=True),
                           "after": json.dumps({**after, "via": "nightly"}, sort_keys=True)})
        if changes:
            customers = Customer.__table__
            session.execute(update(customers).where(customers.c.id == bindparam("b_id"))
                            .values(stage=bindparam("b_stage"), tier=bindparam("b_tier")), changes)
            session.execute(insert(AuditLog.__table__), audits)
        return len(changes)


def run_nightly(engine: Engine, settings: Settings, now: datetime) -> int:
    """The tick's step: the pass when it is due, else nothing."""
    return recompute_book(engine, settings, now=now) if due(engine, settings, now) else 0
