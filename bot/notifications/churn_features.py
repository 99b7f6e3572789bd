"""The figures churn scoring needs for every customer, in one SQL query: distinct contact days in the last
730 days (follow-ups and orders, counted by UTC day), the first and the last, plus the customer's own columns.

Only columns come back; no follow-up or customer object is loaded. Each database gets the form it answers
fastest, with the same results:

- SQLite: correlated subqueries per customer over the ``(customer_id, happened_at)`` index of live
  follow-ups (``ix_followup_customer_live``). min and max are one index probe each, the distinct-day count a
  short range; days are cut from the stored UTC text ('YYYY-MM-DD HH:MM:SS…') rather than parsed. Uniting
  every (customer, day) pair in one temporary B-tree instead costs SQLite about four times as much.
- PostgreSQL: that union, hashed and grouped (PostgreSQL's per-row subplans cost more than the hash), with a
  digest's scope pushed into both halves so it groups only the scope's contacts.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Engine, String, cast, exists, func, literal, select, union
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.models import Customer, FollowUp, Order, User
from storage.uow import unit_of_work

# At most this many SQLite connections share the scoring of every customer (one per core).
MAX_CHURN_READERS = 4

CHURN_WINDOW_DAYS = 730
Owner = aliased(User, name="owner")
SameDay = aliased(FollowUp, name="same_day")
# Stand-ins that sort after / before every 'YYYY-MM-DD' day, for SQLite's NULL-propagating min(a, b) / max(a, b).
_NO_DAY_LATE, _NO_DAY_EARLY = "9999-12-31", ""


def utc_day(column: Any, dialect: str) -> Any:
    """The UTC calendar day of a stored instant, comparable with DATE columns on both databases.

    SQLite stores instants as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (sqlmodel's UTCDateTime), so the day is
    the first ten characters: cheaper than ``date()``, which parses the whole value.
    """
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.substr(column, 1, 10)


def churn_rows(session: Session, *, today: date, scope: ColumnElement[bool] | None = None) -> list[tuple[Any, ...]]:
    """Per live customer: id, contact days, first day, last day, team, created day, owner, snoozed, zone, morning.

    Days are 'YYYY-MM-DD' text on SQLite and dates on PostgreSQL (`churn_items` takes either); a customer
    without contacts has 0 (SQLite) or None (PostgreSQL) days and no first/last day. `scope` narrows the
    customers (a manager's digest passes `visible_customers`).
    """
    dialect = session.get_bind().dialect.name
    since = today - timedelta(days=CHURN_WINDOW_DAYS)
    customer = (Customer.team_id, utc_day(Customer.created_at, dialect), Customer.owner_id, Customer.snoozed_until,
                Owner.timezone, Owner.morning_hour)
    live_customers = (Customer.deleted_at.is_(None), Customer.pooled_at.is_(None), Owner.deactivated_at.is_(None))
    if dialect == "postgresql":
        per_customer = _united_contact_days(since, dialect, scope)
        query = (
            select(Customer.id, per_customer.c.days, per_customer.c.first_day, per_customer.c.last_day, *customer)
            .join(Owner, Owner.id == Customer.owner_id)
            .outerjoin(per_customer, per_customer.c.customer_id == Customer.id)
            .where(*live_customers)
        )
    else:
        # In id order SQLite scans customers by rowid and walks the follow-up index front to back: a third
        # faster than visiting them owner by owner or in a scope index's order, which jumps around the index.
        query = (
            select(Customer.id, *_probed_contact_days(since, dialect), *customer)
            .join(Owner, Owner.id == Customer.owner_id)
            .where(*live_customers)
            .order_by(Customer.id)
        )
    if scope is not None:
        query = query.where(scope)
    return [tuple(row) for row in session.execute(query)]


def all_churn_rows(engine: Engine, *, today: date) -> list[tuple[Any, ...]]:
    """`churn_rows` of every live customer, in id order, each part read in a read-only transaction of its own.

    On SQLite the customers are split into id ranges read side by side, one connection per core: the
    aggregate is SQLite's own work (about 1 µs per follow-up in the window), during which Python's lock is
    released, so two cores take a little over half the time. PostgreSQL aggregates in one statement.
    """
    readers = min(os.cpu_count() or 1, MAX_CHURN_READERS)
    if engine.dialect.name != "sqlite" or readers < 2:
        with unit_of_work(engine, write=False) as session:
            return churn_rows(session, today=today)
    with unit_of_work(engine, write=False) as session:
        low, high = session.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
    if low is None:
        return []
    step = (high - low) // readers + 1
    ranges = [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]

    def read(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
        with unit_of_work(engine, write=False) as session:
            return churn_rows(session, today=today, scope=Customer.id.between(*bounds))

    with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="churn") as pool:
        return [row for part in pool.map(read, ranges) for row in part]


def churn_items(rows: list[tuple[Any, ...]]) -> list[tuple[int, int, int | None, int | None, str]]:
    """`churn_rows` as the ``(id, days, first, last, segment)`` items `assess_many` takes (segment: team)."""
    return [(r[0], r[1] or 0, _ordinal(r[2]), _ordinal(r[3]), str(r[4] or "")) for r in rows]


def created_ordinals(rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Customer id → creation day ordinal, UTC (measures the silence of customers never contacted)."""
    return {r[0]: _ordinal(r[5]) for r in rows if r[5] is not None}


def _probed_contact_days(since: date, dialect: str) -> tuple[ColumnElement[Any], ...]:
    """Days, first day, last day of the customer in the enclosing query, as correlated subqueries.

    An order day counts only when no live follow-up fell on the same UTC day, so no day is counted twice.
    """
    since_instant = datetime.combine(since, time(), tzinfo=UTC)
    live = (FollowUp.customer_id == Customer.id, FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since_instant)
    orders = (Order.customer_id == Customer.id, Order.deleted_at.is_(None), Order.ordered_on >= since)
    followup_days = select(func.count(func.distinct(utc_day(FollowUp.happened_at, dialect)))).where(*live)
    first_followup = select(utc_day(func.min(FollowUp.happened_at), dialect)).where(*live)
    last_followup = select(utc_day(func.max(FollowUp.happened_at), dialect)).where(*live)
    order_only_days = select(func.count(func.distinct(Order.ordered_on))).where(
        *orders, ~exists().where(_same_utc_day(Order)))
    first_order = select(func.min(Order.ordered_on)).where(*orders)
    last_order = select(func.max(Order.ordered_on)).where(*orders)
    return (
        followup_days.scalar_subquery() + order_only_days.scalar_subquery(),
        _earliest(first_followup.scalar_subquery(), first_order.scalar_subquery()),
        _latest(last_followup.scalar_subquery(), last_order.scalar_subquery()),
    )


def _same_utc_day(order: Any) -> ColumnElement[bool]:
    """A live follow-up of the order's customer happened on the order's UTC day (SQLite's stored text).

    A range over the text rather than ``substr(…) = day``, so the ``(customer_id, happened_at)`` index
    answers it: 'YYYY-MM-DD HH…' sorts at or after its own day and before the next.
    """
    return (
        (SameDay.customer_id == order.customer_id) & SameDay.deleted_at.is_(None)
        & (SameDay.happened_at >= order.ordered_on) & (SameDay.happened_at < func.date(order.ordered_on, "+1 day"))
    )


def _earliest(a: Any, b: Any) -> ColumnElement[Any]:
    """The earlier of two 'YYYY-MM-DD' days, either may be NULL (NULL only when both are)."""
    late = literal(_NO_DAY_LATE, String())
    return func.nullif(func.min(func.coalesce(a, late), func.coalesce(b, late), type_=String()), late)


def _latest(a: Any, b: Any) -> ColumnElement[Any]:
    """The later of two 'YYYY-MM-DD' days, either may be NULL (NULL only when both are)."""
    early = literal(_NO_DAY_EARLY, String())
    return func.nullif(func.max(func.coalesce(a, early), func.coalesce(b, early), type_=String()), early)


def _united_contact_days(since: date, dialect: str, scope: ColumnElement[bool] | None) -> Any:
    """``(customer_id, days, first_day, last_day)`` grouped from the union of follow-up and order days."""
    since_instant = datetime.combine(since, time(), tzinfo=UTC)
    followup_days = select(
        FollowUp.customer_id.label("customer_id"), utc_day(FollowUp.happened_at, dialect).label("day")
    ).where(FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since_instant)
    order_days = select(Order.customer_id.label("customer_id"), Order.ordered_on.label("day")).where(
        Order.deleted_at.is_(None), Order.ordered_on >= since)
    if scope is not None:  # group the scope's contacts only, not everyone's
        in_scope = select(Customer.id).where(scope).correlate(None)
        followup_days = followup_days.where(FollowUp.customer_id.in_(in_scope))
        order_days = order_days.where(Order.customer_id.in_(in_scope))
    contact_days = union(followup_days, order_days).subquery("contact_days")
    return (
        select(
            contact_days.c.customer_id,
            func.count().label("days"),
            func.min(contact_days.c.day).label("first_day"),
            func.max(contact_days.c.day).label("last_day"),
        )
        .group_by(contact_days.c.customer_id)
        .subquery("per_customer")
    )


def _ordinal(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().toordinal()
    if isinstance(value, date):
        return value.toordinal()
    return date.fromisoformat(str(value)[:10]).toordinal()
