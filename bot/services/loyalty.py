"""Loyalty points (积分): a ledger per customer, earned on paid orders, redeemed with a reason, optionally expiring.

The balance lives in `loyalty_account` (one row per customer, ``CHECK (balance >= 0)``); every change is a
`points_entry` with the balance after it (also checked ``>= 0``). A redemption is one conditional UPDATE
(``balance >= n``), so concurrent redemptions queue on the account row and the second sees what the first
left: nobody can overspend, and the database refuses a negative balance whatever the code does.

Earned entries remember what is left of them (`remaining`): redemptions and reversals take points from the
entries that expire first, so the expiry job removes exactly the points that were earned and never spent.
The account's balance is always the sum of its entries' `remaining`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from config.settings import Settings
from storage.models import Customer, LoyaltyAccount, Order, PointsEntry
from storage.uow import run_in_transaction

EARN, REDEEM, EXPIRE, REVERSE = "earn", "redeem", "expire", "reverse"
MAX_POINTS = 1_000_000_000


class NotEnoughPoints(Exception):
    """A redemption larger than the balance; `balance` is what the customer has."""

    def __init__(self, balance: int) -> None:
        super().__init__(f"balance {balance}")
        self.balance = balance


@dataclass(frozen=True)
class Reversal:
    """Points taken back when a payment is undone: `points` removed, `short` already redeemed and kept."""

    points: int
    short: int


def points_for(amount: Decimal, settings: Settings) -> int:
    """The points a paid amount earns: ``points_per_unit`` for every whole ``unit`` of the order's currency."""
    loyalty = settings.loyalty
    if not loyalty.enabled or amount <= 0:
        return 0
    return int(math.floor(amount / loyalty.unit)) * loyalty.points_per_unit


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
            30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def _lock_account(session: Session, customer: Customer, now: datetime) -> LoyaltyAccount:
    """The customer's account, created if missing, with its row lock held until the transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(LoyaltyAccount.__table__).values(
        customer_id=customer.id, tenant=customer.tenant, balance=0, updated_at=now,
    ).on_conflict_do_nothing())
    session.execute(update(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer.id)
                    .values(updated_at=now).execution_options(synchronize_session=False))
    account = session.get(LoyaltyAccount, customer.id, populate_existing=True)
    assert account is not None
    return account


def _entry(session: Session, account: LoyaltyAccount, *, kind: str, delta: int, now: datetime,
           user_id: int | None, reason: str | None = None, order_id: int | None = None,
           expires_on: date | None = None) -> PointsEntry:
    entry = PointsEntry(tenant=account.tenant, customer_id=account.customer_id, kind=kind, delta=delta,
                        balance_after=account.balance, remaining=delta if kind == EARN else 0, order_id=order_id,
                        reason=reason, expires_on=expires_on, created_by=user_id, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def _take(session: Session, customer_id: int, points: int, *, first_order: int | None = None) -> None:
    """Take `points` from the customer's earned entries: `first_order`'s own entry first, then the ones that
    expire soonest (never-expiring last). The caller holds the account lock."""
    entries = list(session.exec(
        select(PointsEntry)
        .where(PointsEntry.customer_id == customer_id, PointsEntry.kind == EARN, PointsEntry.remaining > 0)
        .order_by(col(PointsEntry.expires_on).is_(None), PointsEntry.expires_on, PointsEntry.id)
    ).all())
    if first_order is not None:
        entries.sort(key=lambda e: e.order_id != first_order)
    for entry in entries:
        if points <= 0:
            break
        used = min(entry.remaining, points)
        entry.remaining -= used
        points -= used
        session.add(entry)


def earn_for_order(session: Session, settings: Settings, *, order: Order, customer: Customer, user_id: int | None,
                   now: datetime, today: date) -> tuple[int, int]:
    """Credit the points a just-paid `order` earns; returns (points, balance after), (0, 0) when loyalty is off
    or the amount too small."""
    points = points_for(order.amount, settings)
    if points <= 0:
        return 0, 0
    # One upsert credits the balance and returns it (the row lock is held until the commit).
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LoyaltyAccount.__table__).values(
        customer_id=customer.id, tenant=customer.tenant, balance=points, updated_at=now)
    balance = session.execute(statement.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={"balance": LoyaltyAccount.__table__.c.balance + statement.excluded.balance, "updated_at": now},
    ).returning(LoyaltyAccount.__table__.c.balance)).scalar_one()
    months = settings.loyalty.expire_after_months
    session.add(PointsEntry(tenant=customer.tenant, customer_id=customer.id, kind=EARN, delta=points,
                            balance_after=balance, remaining=points, order_id=order.id, created_by=user_id,
                            created_at=now, expires_on=_months_later(today, months) if months else None))
    return points, balance


def reverse_order(session: Session, *, order: Order, customer: Customer, user_id: int | None,
                  now: datetime) -> Reversal:
    """Take back what `order`'s payment earned (its payment was undone). Points already redeemed stay redeemed
    (the balance never goes negative): they are reported as `short`."""
    earned = session.exec(
        select(func.coalesce(func.sum(PointsEntry.delta), 0))
        .where(PointsEntry.customer_id == customer.id, PointsEntry.order_id == order.id,
               PointsEntry.kind.in_((EARN, REVERSE)))
    ).one()
    if earned <= 0:
        return Reversal(0, 0)
    account = _lock_account(session, customer, now)
    taken = min(int(earned), account.balance)
    if taken:
        _take(session, customer.id, taken, first_order=order.id)
        account.balance -= taken
        session.add(account)
    _entry(session, account, kind=REVERSE, delta=-taken, now=now, user_id=user_id, order_id=order.id,
           reason=None if taken == earned else f"short {int(earned) - taken}")
    return Reversal(taken, int(earned) - taken)


def redeem(session: Session, *, customer: Customer, points: int, reason: str, user_id: int,
           now: datetime) -> PointsEntry:
    """Spend `points` for `reason`; `NotEnoughPoints` (nothing changed) when the balance is smaller.

    The conditional UPDATE is the check: a concurrent redemption either ran first (and this one sees its
    result) or waits for this one; the account's CHECK constraint backs it up.
    """
    if not 0 < points <= MAX_POINTS:
        raise ValueError("points out of range")
    left = session.execute(
        update(LoyaltyAccount)
        .where(LoyaltyAccount.customer_id == customer.id, LoyaltyAccount.balance >= points)
        .values(balance=LoyaltyAccount.balance - points, updated_at=now)
        .returning(LoyaltyAccount.balance)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if left is None:
        raise NotEnoughPoints(balance_of(session, customer.id))
    _take(session, customer.id, points)
    entry = PointsEntry(tenant=customer.tenant, customer_id=customer.id, kind=REDEEM, delta=-points,
                        balance_after=left, remaining=0, reason=reason, created_by=user_id, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def balance_of(session: Session, customer_id: int) -> int:
    """The customer's balance (0 without an account)."""
    found = session.get(LoyaltyAccount, customer_id)
    return found.balance if found is not None else 0


def recent_entries(session: Session, customer_id: int, limit: int = 10) -> list[PointsEntry]:
    """The customer's latest ledger entries, newest first."""
    return list(session.exec(
        select(PointsEntry).where(PointsEntry.customer_id == customer_id)
        .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()).limit(limit)
    ).all())


def level_for(balance: int, settings: Settings, lang: str) -> str | None:
    """The member level (会员等级) a balance reaches, in `lang`; None below the lowest level."""
    reached = [level for level in settings.loyalty.levels if balance >= level.min_points]
    if not reached:
        return None
    best = max(reached, key=lambda level: level.min_points)
    return best.zh if lang.startswith("zh") else best.en


def expire_points(engine: Engine, settings: Settings, *, today: date, now: datetime) -> int:
    """The expiry job: remove the unspent points of entries whose expiry day has come; returns points removed.

    One short transaction per customer (locking its account as a redemption does), so the job never holds
    many rows at once and a customer redeeming meanwhile simply waits for their own account.
    """
    if not settings.loyalty.expire_after_months:
        return 0
    with Session(engine) as session:
        customers = list(session.exec(
            select(PointsEntry.customer_id).where(PointsEntry.kind == EARN, PointsEntry.remaining > 0,
                                                  PointsEntry.expires_on <= today).distinct()
        ).all())
    removed = 0
    for customer_id in customers:
        removed += run_in_transaction(engine, lambda session, cid=customer_id: _expire_one(session, cid, today, now))
    return removed


def _expire_one(session: Session, customer_id: int, today: date, now: datetime) -> int:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return 0
    account = _lock_account(session, customer, now)
    due = list(session.exec(
        select(PointsEntry).where(PointsEntry.customer_id == customer_id, PointsEntry.kind == EARN,
                                  PointsEntry.remaining > 0, PointsEntry.expires_on <= today)
    ).all())
    points = min(sum(entry.remaining for entry in due), account.balance)
    if points <= 0:
        return 0
    for entry in due:
        entry.remaining = 0
        session.add(entry)
    account.balance -= points
    session.add(account)
    _entry(session, account, kind=EXPIRE, delta=-points, now=now, user_id=None)
    return points
