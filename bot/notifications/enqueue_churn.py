"""Churn warnings: every customer's contact days from one SQL query, scored with `assess_many` (the rhythm
ratio of scheduling-and-scale.md §6), one warning per customer per ISO week.

The query returns columns only (distinct contact days from follow-ups and orders in the last 730 days, first
and last day); no follow-up or customer object is loaded, and days travel as the stored UTC text on SQLite
instead of being parsed into aware datetimes. The assessment numbers travel in the payload, so the message
explains exactly what the rep was warned about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, String, cast, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.calendar.churn import ChurnAssessment, assess_many, population_gaps_by_segment
from bot.notifications import kinds
from bot.notifications.local_time import zone_or_default
from bot.notifications.outbox_sql import insert_values, row_values
from bot.notifications.zone_clocks import ZoneClocks
from storage.models import Customer, FollowUp, Order, User

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

    Days are 'YYYY-MM-DD' text on SQLite and dates on PostgreSQL (`churn_items` takes either). `scope` narrows
    the customers (a manager's digest passes `visible_customers`).

    Each figure is a correlated subquery per customer, answered from the ``(customer_id, happened_at)`` index
    of live follow-ups (``ix_followup_customer_live``): min and max are one index probe each, the distinct
    day count one short range. That reads a scoped digest's customers only, and for all customers it beats
    uniting every (customer, day) pair in one temporary B-tree by about four times on SQLite.
    An order day counts only when no follow-up fell on the same UTC day, so a day is never counted twice.
    """
    dialect = session.get_bind().dialect.name
    since = today - timedelta(days=CHURN_WINDOW_DAYS)
    since_instant = datetime.combine(since, time(), tzinfo=UTC)
    live = (FollowUp.customer_id == Customer.id, FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since_instant)
    orders = (Order.customer_id == Customer.id, Order.deleted_at.is_(None), Order.ordered_on >= since)
    followup_days = select(func.count(func.distinct(utc_day(FollowUp.happened_at, dialect)))).where(*live)
    first_followup = select(utc_day(func.min(FollowUp.happened_at), dialect)).where(*live)
    last_followup = select(utc_day(func.max(FollowUp.happened_at), dialect)).where(*live)
    order_only_days = select(func.count(func.distinct(Order.ordered_on))).where(
        *orders, ~exists().where(_same_utc_day(Order, dialect)))
    first_order = select(func.min(Order.ordered_on)).where(*orders)
    last_order = select(func.max(Order.ordered_on)).where(*orders)
    query = (
        select(
            Customer.id,
            followup_days.scalar_subquery() + order_only_days.scalar_subquery(),
            _earliest(first_followup.scalar_subquery(), first_order.scalar_subquery(), dialect),
            _latest(last_followup.scalar_subquery(), last_order.scalar_subquery(), dialect),
            Customer.team_id, utc_day(Customer.created_at, dialect), Customer.owner_id, Customer.snoozed_until,
            Owner.timezone, Owner.morning_hour,
        )
        .join(Owner, Owner.id == Customer.owner_id)
        .where(Customer.deleted_at.is_(None), Owner.deactivated_at.is_(None))
    )
    if scope is None:
        # In id order SQLite scans customers by rowid and walks the follow-up index front to back (a third
        # faster than visiting customers owner by owner); a scoped query keeps its own index.
        query = query.order_by(Customer.id)
    else:
        query = query.where(scope)
    return [tuple(row) for row in session.execute(query)]


def _same_utc_day(order: Any, dialect: str) -> ColumnElement[bool]:
    """A live follow-up of the order's customer happened on the order's day (UTC)."""
    if dialect == "postgresql":
        on_day = utc_day(SameDay.happened_at, dialect) == order.ordered_on
    else:  # a range over the stored text, so the (customer_id, happened_at) index answers it
        on_day = (SameDay.happened_at >= order.ordered_on) & (
            SameDay.happened_at < func.date(order.ordered_on, "+1 day"))
    return (SameDay.customer_id == order.customer_id) & SameDay.deleted_at.is_(None) & on_day


def _earliest(a: Any, b: Any, dialect: str) -> ColumnElement[Any]:
    """The earlier of two days, either may be NULL (NULL only when both are)."""
    if dialect == "postgresql":
        return func.least(a, b)
    late = literal(_NO_DAY_LATE, String())
    return func.nullif(func.min(func.coalesce(a, late), func.coalesce(b, late), type_=String()), late)


def _latest(a: Any, b: Any, dialect: str) -> ColumnElement[Any]:
    """The later of two days, either may be NULL (NULL only when both are)."""
    if dialect == "postgresql":
        return func.greatest(a, b)
    early = literal(_NO_DAY_EARLY, String())
    return func.nullif(func.max(func.coalesce(a, early), func.coalesce(b, early), type_=String()), early)


def enqueue_churn_warnings(session: Session, clocks: ZoneClocks, rows: list[tuple[Any, ...]]) -> int:
    """Score `rows` (from `churn_rows`, read in an earlier, read-only transaction so the write lock is held
    only for the insert) and enqueue this week's warning for customers at `watch` level or worse.

    A warning waits for the owner's morning hour and is skipped while the customer is snoozed.
    """
    if not rows:
        return 0
    settings = clocks.settings
    scored = churn_items(rows)
    gaps = population_gaps_by_segment(scored)
    by_id = {r[0]: r for r in rows}
    created = created_ordinals(rows)

    def warnings() -> Iterator[dict[str, Any]]:
        by_zone: dict[str, list[tuple[int, int, int | None, int | None, str]]] = {}
        for item in scored:
            by_zone.setdefault(zone_or_default(by_id[item[0]][8], settings), []).append(item)
        for zone, items in by_zone.items():
            m = clocks.moment(zone)
            if m is None:
                continue
            for customer_id, assessment in assess_many(
                items, today=m.today, population_gaps=gaps, created_ordinals=created
            ):
                row = by_id[customer_id]
                owner_id, snoozed_until, morning = row[6], row[7], row[9]
                if assessment.level is None or (snoozed_until is not None and snoozed_until >= m.today):
                    continue
                if (morning if morning is not None else settings.defaults.morning_hour) > m.hour:
                    continue
                yield row_values(
                    kinds.CHURN, subject_id=customer_id, due_date=m.week_start,
                    channel=kinds.user_audience(owner_id), recipient_id=owner_id,
                    not_before=clocks.not_before_in(m), now=clocks.now,
                    stale_after=m.at(m.week_start + timedelta(days=7), 0),
                    payload=assessment_payload(assessment),
                )

    return insert_values(session, warnings())


def churn_items(rows: list[tuple[Any, ...]]) -> list[tuple[int, int, int | None, int | None, str]]:
    """`churn_rows` as the ``(id, days, first, last, segment)`` items `assess_many` takes (segment: team)."""
    return [(r[0], r[1] or 0, _ordinal(r[2]), _ordinal(r[3]), str(r[4] or "")) for r in rows]


def created_ordinals(rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Customer id → creation day ordinal (measures the silence of customers never contacted)."""
    return {r[0]: _ordinal(r[5]) for r in rows if r[5] is not None}


def assessment_payload(assessment: ChurnAssessment) -> dict[str, Any]:
    """The assessment as JSON-safe numbers (kept in the outbox row's payload)."""
    return asdict(assessment)


def assessment_from_payload(payload: Mapping[str, Any]) -> ChurnAssessment:
    """Rebuild the assessment the warning was enqueued with."""
    return ChurnAssessment(**{key: payload[key] for key in ChurnAssessment.__slots__})


def _ordinal(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().toordinal()
    if isinstance(value, date):
        return value.toordinal()
    return date.fromisoformat(str(value)[:10]).toordinal()
