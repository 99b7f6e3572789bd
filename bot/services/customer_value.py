"""A customer's lifecycle stage and tier, derived from their orders.

Stage (after every order):

- ``churned`` / ``at_risk`` when the contact-rhythm churn assessment says ``lapsed`` / ``at_risk``
  (`bot.cards.churn_of`; a fresh order counts as contact, so this only bites for back-dated orders);
- otherwise by order count: no orders → ``lead``; 1 → ``first_purchase``; 2+ → ``repeat``; and
  ``loyal`` once ``LOYAL_ORDERS`` orders fall within the last ``LOYAL_WINDOW_DAYS`` days.

Tier (unless set by hand, ``Customer.tier_manual``): trailing-12-month revenue in ``TIER_CURRENCY``
against ``TIER_THRESHOLDS``. Orders in other currencies are not converted (crmbot keeps no exchange
rates), so they do not raise the tier; a manager can still set ``tier:`` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Numeric, case, func
from sqlmodel import Session, select

from bot.cards import churn_of
from config.settings import Settings
from storage.models import Customer, Order

REPEAT_ORDERS = 2
LOYAL_ORDERS, LOYAL_WINDOW_DAYS = 5, 730
TIER_CURRENCY = "CNY"
TIER_WINDOW_DAYS = 365
# Highest first: the first threshold the revenue reaches names the tier.
TIER_THRESHOLDS: tuple[tuple[str, Decimal], ...] = (("vip", Decimal("500000")), ("key", Decimal("100000")))


@dataclass(frozen=True)
class OrderFigures:
    """What the stage and tier are computed from, measured in one aggregate query."""

    orders: int
    orders_in_loyal_window: int
    revenue_12m: Decimal


def tier_rule(settings: Settings) -> tuple[str, tuple[tuple[str, Decimal], ...]]:
    """The tier currency and thresholds (highest first) of ``[lifecycle]``."""
    config = settings.lifecycle
    return config.tier_currency, (("vip", Decimal(config.tier_vip)), ("key", Decimal(config.tier_key)))


def order_figures(session: Session, customer_id: int, *, today: date, currency: str = TIER_CURRENCY) -> OrderFigures:
    """Count a customer's orders and sum their trailing-12-month revenue in ``TIER_CURRENCY``."""
    loyal_since = today - timedelta(days=LOYAL_WINDOW_DAYS)
    revenue_since = today - timedelta(days=TIER_WINDOW_DAYS)
    in_window = case((Order.ordered_on >= loyal_since, 1), else_=0)
    revenue = case(
        ((Order.ordered_on >= revenue_since) & (Order.currency == currency), Order.amount), else_=0
    )
    row = session.exec(
        select(
            func.count(Order.id),
            func.coalesce(func.sum(in_window), 0),
            func.coalesce(func.sum(revenue), 0, type_=Numeric(16, 2)),
        ).where(Order.customer_id == customer_id, Order.deleted_at.is_(None))
    ).one()
    return OrderFigures(int(row[0]), int(row[1]), Decimal(str(row[2])))


def stage_for(figures: OrderFigures, churn_level: str | None) -> str:
    """The lifecycle stage for these order figures and churn level (see the module docstring)."""
    if churn_level == "lapsed":
        return "churned"
    if churn_level == "at_risk":
        return "at_risk"
    if figures.orders_in_loyal_window >= LOYAL_ORDERS:
        return "loyal"
    if figures.orders >= REPEAT_ORDERS:
        return "repeat"
    if figures.orders >= 1:
        return "first_purchase"
    return "lead"


def tier_for(revenue_12m: Decimal, thresholds: tuple[tuple[str, Decimal], ...] = TIER_THRESHOLDS) -> str:
    """The tier a trailing-12-month revenue earns (``[lifecycle]`` thresholds, highest first)."""
    for tier, threshold in thresholds:
        if revenue_12m >= threshold:
            return tier
    return "normal"


def refresh_stage_and_tier(session: Session, customer: Customer, *, today: date,
                           settings: Settings | None = None) -> dict[str, tuple[str, str]]:
    """Recompute `customer`'s stage (and tier unless manual, by `settings`' ``[lifecycle]`` rule) in place;
    returns ``{field: (before, after)}``."""
    session.flush()  # the order just added must be counted
    currency, thresholds = tier_rule(settings) if settings is not None else (TIER_CURRENCY, TIER_THRESHOLDS)
    figures = order_figures(session, customer.id, today=today, currency=currency)
    changes: dict[str, tuple[str, str]] = {}
    stage = stage_for(figures, churn_of(session, customer, today=today).level)
    if stage != customer.stage:
        changes["stage"] = (customer.stage, stage)
        customer.stage = stage
    if not customer.tier_manual:
        tier = tier_for(figures.revenue_12m, thresholds)
        if tier != customer.tier:
            changes["tier"] = (customer.tier, tier)
            customer.tier = tier
    return changes
