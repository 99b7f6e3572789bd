"""Churn warnings: aggregate every customer's contact days in one SQL query, score them with
`assess_many` (the rhythm ratio of scheduling-and-scale.md §6), enqueue one warning per customer per ISO week.

The aggregate returns columns only (distinct contact days from follow-ups and orders in the last 730
days, first and last day); no follow-up or customer object is loaded. The assessment numbers travel in the
payload, so the message explains exactly what the rep was warned about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select, union
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.calendar.churn import ChurnAssessment, assess_many, population_gaps_by_segment
from bot.notifications import kinds
from bot.notifications.local_time import zone_or_default
from bot.notifications.outbox_sql import ZonePass, insert_values, row_values
from config.settings import Settings
from storage.models import Customer, FollowUp, Order, User

CHURN_WINDOW_DAYS = 730
Owner = aliased(User, name="owner")


def utc_day(column: Any, dialect: str) -> Any:
    """The UTC calendar day of a stored instant, comparable with DATE columns on both databases."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores UTC text 'YYYY-MM-DD HH:MM:SS…'; date() keeps 'YYYY-MM-DD'


def churn_rows(session: Session, *, today: date, scope: ColumnElement[bool] | None = None) -> list[tuple[Any, ...]]:
    """Per live customer: id, contact days, first day, last day, team, created, owner, snoozed, zone, morning.

    `scope` narrows the customers (a manager's digest passes `visible_customers`).
    """
    dialect = session.get_bind().dialect.name
    since = today - timedelta(days=CHURN_WINDOW_DAYS)
    since_instant = datetime.combine(since, time(), tzinfo=UTC)
    contact_days = union(
        select(FollowUp.customer_id.label("customer_id"), utc_day(FollowUp.happened_at, dialect).label("day"))
        .where(FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since_instant),
        select(Order.customer_id.label("customer_id"), Order.ordered_on.label("day"))
        .where(Order.deleted_at.is_(None), Order.ordered_on >= since),
    ).subquery("contact_days")
    per_customer = (
        select(
            contact_days.c.customer_id,
            func.count().label("days"),
            func.min(contact_days.c.day).label("first_day"),
            func.max(contact_days.c.day).label("last_day"),
        )
        .group_by(contact_days.c.customer_id)
        .subquery("per_customer")
    )
    query = (
        select(
            Customer.id, per_customer.c.days, per_customer.c.first_day, per_customer.c.last_day,
            Customer.team_id, Customer.created_at, Customer.owner_id, Customer.snoozed_until,
            Owner.timezone, Owner.morning_hour,
        )
        .join(Owner, Owner.id == Customer.owner_id)
        .outerjoin(per_customer, per_customer.c.customer_id == Customer.id)
        .where(Customer.deleted_at.is_(None), Owner.deactivated_at.is_(None))
    )
    if scope is not None:
        query = query.where(scope)
    return [tuple(row) for row in session.execute(query)]


def enqueue_churn_warnings(
    session: Session, zone_passes: Mapping[str, ZonePass], settings: Settings, rows: list[tuple[Any, ...]]
) -> int:
    """Score `rows` (from `churn_rows`, read in an earlier, read-only transaction so the write lock is held
    only for the insert) and enqueue this week's warning for customers at `watch` level or worse.

    A warning waits for the owner's morning hour and is skipped while the customer is snoozed.
    """
    if not zone_passes or not rows:
        return 0
    scored = churn_items(rows)
    gaps = population_gaps_by_segment(scored)
    by_id = {r[0]: r for r in rows}
    created = created_ordinals(rows)

    def warnings() -> Iterator[dict[str, Any]]:
        by_zone: dict[str, list[tuple[int, int, int | None, int | None, str]]] = {}
        for item in scored:
            by_zone.setdefault(zone_or_default(by_id[item[0]][8], settings), []).append(item)
        for zone, items in by_zone.items():
            zp = zone_passes.get(zone)
            if zp is None:
                continue
            m = zp.moment
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
                    not_before=zp.not_before, now=zp.now,
                    stale_after=m.at(m.week_start + timedelta(days=7), 0),
                    payload=assessment_payload(assessment),
                )

    return insert_values(session, warnings())


def churn_items(rows: list[tuple[Any, ...]]) -> list[tuple[int, int, int | None, int | None, str]]:
    """`churn_rows` as the ``(id, days, first, last, segment)`` items `assess_many` takes (segment: team)."""
    return [(r[0], r[1] or 0, _ordinal(r[2]), _ordinal(r[3]), str(r[4] or "")) for r in rows]


def created_ordinals(rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Customer id → creation day ordinal (measures the silence of customers never contacted)."""
    return {r[0]: r[5].astimezone(UTC).date().toordinal() for r in rows if r[5] is not None}


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
