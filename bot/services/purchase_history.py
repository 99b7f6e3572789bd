"""What a customer has bought and signed, for the card and `orders`, read set-based.

The card reads it in its one statement of facts (`bot.cards._facts`, a ``UNION ALL`` of its orders, contacts and
survey answers): the latest three orders, the value figures per currency and the live contracts are three more
branches of it. Every round trip costs more than these index look-ups (see the statement budget of
`show`), so the card's cost does not grow with this section, nor with the number of orders or contracts.

Amounts are summed per currency: adding yuan to dollars would be a number nobody can use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import Contract, Order

LATEST_ORDERS = 3
CARD_CONTRACTS = 5
TRAILING_DAYS = 365
_Successor = aliased(Contract, name="successor")


@dataclass(frozen=True)
class OrderRow:
    """An order as the card and `orders` show it."""

    id: int
    amount: Decimal
    currency: str
    ordered_on: date
    payment_due: date | None
    paid_at: datetime | None
    items: str | None


@dataclass(frozen=True)
class ContractRow:
    """A live contract as the card shows it."""

    id: int
    title: str
    amount: Decimal | None
    currency: str
    starts_on: date
    ends_on: date | None
    auto_renew: bool
    successor_id: int | None


@dataclass(frozen=True)
class Totals:
    """One currency's figures: lifetime and trailing-12-month value, order count, last order date."""

    currency: str
    lifetime: Decimal
    trailing: Decimal
    orders: int
    last_order: date | None


@dataclass(frozen=True)
class PurchaseHistory:
    """A customer's purchases and contracts as the card shows them."""

    totals: tuple[Totals, ...]  # biggest lifetime first
    latest: tuple[OrderRow, ...]  # the latest orders, paid or not, newest first
    contracts: tuple[ContractRow, ...]  # live contracts, soonest end first
    more_contracts: bool  # live contracts beyond those listed

    @property
    def order_count(self) -> int:
        return sum(t.orders for t in self.totals)

    @property
    def last_order(self) -> date | None:
        return max((t.last_order for t in self.totals if t.last_order), default=None)


EMPTY_HISTORY = PurchaseHistory((), (), (), False)


def latest_orders_source(customer_id: int) -> Any:
    """The customer's latest orders, paid or not (a source for the card's one statement, `bot.cards._facts`)."""
    return (select(Order.id).where(Order.customer_id == customer_id, col(Order.deleted_at).is_(None))
            .order_by(col(Order.ordered_on).desc(), col(Order.id).desc()).limit(LATEST_ORDERS))


def totals_source(customer_id: int, *, today: date) -> tuple[Any, dict[str, Any]]:
    """The value figures per currency, and the card row columns they fill: lifetime in ``amount``, the trailing
    twelve months in ``amount2``, the order count in ``n1``, the last order date in ``d1``."""
    since = today - timedelta(days=TRAILING_DAYS)
    source = (select(Order.currency).where(Order.customer_id == customer_id, col(Order.deleted_at).is_(None))
              .group_by(Order.currency))
    return source, {"s1": Order.currency, "amount": func.sum(Order.amount),
                    "amount2": func.sum(case((col(Order.ordered_on) > since, Order.amount), else_=0)),
                    "n1": func.count(), "d1": func.max(Order.ordered_on)}


def contract_source(customer_id: int, *, today: date) -> tuple[Any, dict[str, Any]]:
    """The live contracts, soonest end first (one more than the card lists, to say there are more), and the
    card row columns they fill."""
    source = (select(Contract.id).select_from(Contract)
              .outerjoin(_Successor, _Successor.renewed_from_id == Contract.id)
              .where(Contract.customer_id == customer_id, col(Contract.deleted_at).is_(None),
                     col(Contract.ended_on).is_(None), or_(col(Contract.ends_on).is_(None), col(Contract.ends_on) >= today))
              .order_by(col(Contract.ends_on).is_(None), col(Contract.ends_on), col(Contract.id))
              .limit(CARD_CONTRACTS + 1))
    return source, {"id": Contract.id, "amount": Contract.amount, "s1": Contract.currency, "s2": Contract.title,
                    "d1": Contract.starts_on, "d2": Contract.ends_on, "n1": _Successor.id, "f1": Contract.auto_renew}


def history_from(rows: list[Any]) -> PurchaseHistory:
    """The purchase history from the card's rows tagged ``l`` (latest orders), ``a`` (figures), ``k``
    (contracts)."""
    latest = sorted((OrderRow(r.id, Decimal(r.amount), r.s1, r.d1, r.d2, r.at, r.s2) for r in rows if r.tag == "l"),
                    key=lambda o: (o.ordered_on, o.id), reverse=True)
    totals = sorted((Totals(r.s1, Decimal(r.amount or 0), Decimal(r.amount2 or 0), int(r.n1 or 0), r.d1)
                     for r in rows if r.tag == "a"), key=lambda t: (-t.lifetime, t.currency))
    contracts = sorted((ContractRow(r.id, r.s2, r.amount, r.s1, r.d1, r.d2, bool(r.f1), r.n1)
                        for r in rows if r.tag == "k"),
                       key=lambda c: (c.ends_on is None, c.ends_on or date.max, c.id))
    return PurchaseHistory(tuple(totals), tuple(latest), tuple(contracts[:CARD_CONTRACTS]),
                           len(contracts) > CARD_CONTRACTS)


@dataclass(frozen=True)
class OrderPage:
    """One page of a customer's orders, newest first, and where it sits."""

    orders: tuple[Order, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def order_page(session: Session, customer_id: int, *, page: int, per_page: int) -> OrderPage:
    """Page `page` (from 1) of the customer's orders, newest first: two statements (count, page)."""
    live = (Order.customer_id == customer_id, col(Order.deleted_at).is_(None))
    total = session.exec(select(func.count()).select_from(Order).where(*live)).one()
    orders = session.exec(
        select(Order).where(*live).order_by(col(Order.ordered_on).desc(), col(Order.id).desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return OrderPage(tuple(orders), int(total), page, per_page)
