"""Credit rating (信用等级) A/B/C/D of a customer, from how it pays: the share of its due orders paid on time, how
many days its oldest unpaid order is overdue, and how much it owes past due. One aggregate query.

- **D**: owes past due for more than 90 days, or paid fewer than half of its due orders on time;
- **C**: owes past due for more than 30 days, or paid fewer than 70 % on time;
- **B**: owes anything past due, or paid fewer than 90 % on time;
- **A**: otherwise. A customer with no order that fell due yet has no rating.

Orders with a payment due date count once paid or past due (unpaid ones always, paid ones of the last two
years): paid ones (on time when paid by the end of their due day, in the asker's zone),
and unpaid ones whose due date has passed. Amounts past due are summed per currency (no exchange rates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from storage.models import Order

if TYPE_CHECKING:
    from bot.context import CommandContext
    from bot.messages import CardField

D_OVERDUE_DAYS, C_OVERDUE_DAYS = 90, 30
CREDIT_WINDOW_DAYS = 730  # paid orders older than this no longer count (unpaid ones always do)
D_ON_TIME, C_ON_TIME, B_ON_TIME = Decimal("0.5"), Decimal("0.7"), Decimal("0.9")


@dataclass(frozen=True)
class Credit:
    """A customer's payment behaviour and the rating it earns (None: nothing fell due yet)."""

    rating: str | None
    due_orders: int = 0
    on_time: int = 0
    days_overdue: int = 0
    overdue: dict[str, Decimal] = field(default_factory=dict)

    @property
    def on_time_share(self) -> Decimal | None:
        return None if not self.due_orders else Decimal(self.on_time) / self.due_orders


def rate(*, due_orders: int, on_time: int, days_overdue: int, owes: bool) -> str | None:
    """The rating for these figures (see the module docstring)."""
    if due_orders == 0:
        return None
    share = Decimal(on_time) / due_orders
    if days_overdue > D_OVERDUE_DAYS or share < D_ON_TIME:
        return "D"
    if days_overdue > C_OVERDUE_DAYS or share < C_ON_TIME:
        return "C"
    if owes or share < B_ON_TIME:
        return "B"
    return "A"


def credit_of(session: Session, customer_id: int, *, today: date, tz: ZoneInfo) -> Credit:
    """The credit of one customer as of `today` (in `tz`), from its unpaid orders and those of the last two years
    (the window the card reads too)."""
    since = today - timedelta(days=CREDIT_WINDOW_DAYS)
    rows = session.exec(
        select(Order)
        .where(Order.customer_id == customer_id, col(Order.deleted_at).is_(None),
               or_(col(Order.paid_at).is_(None), Order.ordered_on >= since))
    ).all()
    return assess_orders(list(rows), today=today, tz=tz)


def assess_orders(orders: list[Order], *, today: date, tz: ZoneInfo) -> Credit:
    """The credit these orders earn as of `today`: those with a payment due date, once paid or past due."""
    due = on_time = days = 0
    overdue: dict[str, Decimal] = {}
    for order in orders:
        amount, currency, payment_due, paid_at = order.amount, order.currency, order.payment_due, order.paid_at
        if payment_due is None or (paid_at is None and payment_due >= today):
            continue
        due += 1
        if paid_at is not None:
            if paid_at <= _end_of(payment_due, tz):
                on_time += 1
            continue
        days = max(days, (today - payment_due).days)
        overdue[currency] = overdue.get(currency, Decimal(0)) + amount
    return Credit(rate(due_orders=due, on_time=on_time, days_overdue=days, owes=bool(overdue)),
                  due_orders=due, on_time=on_time, days_overdue=days, overdue=overdue)


def _end_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)


def credit_fields(ctx: CommandContext, credit: Credit) -> list[CardField]:
    """The card's credit rating (shown to anyone who sees the card) and what it rests on (sensitive)."""
    from bot.messages import CardField
    from bot.services.money import format_money

    fields = [CardField(ctx.t("credit:label"), str(ctx.t("credit:rating", rating=credit.rating)))]
    if credit.rating is not None:
        share = credit.on_time_share
        owed = "; ".join(format_money(amount, currency) for currency, amount in sorted(credit.overdue.items()))
        fields.append(CardField(ctx.t("credit:label_basis"), str(ctx.t(
            "credit:basis", on_time=round(share * 100) if share is not None else 0, due=credit.due_orders,
            owed=owed or None, days=credit.days_overdue)), sensitive=True))
    return fields
