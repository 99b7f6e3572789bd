"""Planning next steps for many customers at once (a campaign, an automation rule), set-based.

One ``INSERT … SELECT`` per distinct (zone, morning hour) of the owners involved — a date-only step falls due at
each owner's morning hour in their own zone — skipping customers with an open step (``force`` closes those first).
The partial unique index ``uq_followup_one_open_step`` keeps one open step per customer whatever runs at the same
time: a concurrent insert for the same customer waits for the other and then does nothing (``ON CONFLICT DO
NOTHING``). The customers' denormalised next step is then set from the inserted rows in one ``UPDATE``.

A planned step is a follow-up row dated at the customer's last contact (or creation): planning is not contact, so
churn scoring and last-contact figures do not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from config.settings import Settings
from storage.models import Customer, FollowUp, User

FOLLOWUP = FollowUp.__table__
_COLUMNS = ("customer_id", "author_id", "kind", "text", "happened_at", "next_step", "next_due_at", "next_due_date",
            "next_due_has_time", "campaign_id", "created_at")


@dataclass(frozen=True)
class Due:
    """When planned steps fall due: a local date (at each owner's morning hour), or one instant."""

    day: date
    instant: datetime | None = None


def open_step_exists() -> ColumnElement[bool]:
    """The customer (of the outer query) has an open next step."""
    return exists(select(FollowUp.id).where(
        FollowUp.customer_id == Customer.id, FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None),
        FollowUp.deleted_at.is_(None)))


def plan_steps(session: Session, chosen: ColumnElement[bool], *, author_id: int | None, text: str, step: str,
               due: Due, campaign_id: int | None, force: bool, settings: Settings, now: datetime) -> int:
    """A next step `step` for every customer `chosen` selects, for its owner; returns how many were created.

    `chosen` is a WHERE clause over ``customer`` (scope and filter together); deleted customers never get one.
    `author_id` None: the owner is the author (an automation rule planned it for them).
    """
    live = and_(chosen, Customer.deleted_at.is_(None))
    if force:
        session.execute(
            update(FollowUp)
            .where(FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
                   FollowUp.customer_id.in_(select(Customer.id).where(live)))
            .values(done_at=now).execution_options(synchronize_session=False)
        )
    default_zone, default_hour = settings.defaults.timezone, settings.defaults.morning_hour
    zone = func.coalesce(User.timezone, default_zone)
    hour = func.coalesce(User.morning_hour, default_hour)
    groups: list[tuple[Any, ...]] = [(None, None)]
    if due.instant is None:
        groups = list(session.execute(
            select(zone, hour).select_from(Customer).join(User, User.id == Customer.owner_id).where(live).distinct()
        ).all())
    created = 0
    for group_zone, group_hour in groups:
        if due.instant is not None:
            at, has_time, where = due.instant, True, live
        else:
            local = datetime.combine(due.day, time(hour=int(group_hour)), tzinfo=ZoneInfo(group_zone))
            at, has_time = local.astimezone(ZoneInfo("UTC")), False
            where = and_(live, zone == group_zone, hour == group_hour)
        query = (
            select(Customer.id, Customer.owner_id if author_id is None else literal(author_id), literal("note"),
                   literal(text),
                   func.coalesce(Customer.last_contact_at, Customer.created_at),
                   literal(step), literal(at, FOLLOWUP.c.next_due_at.type), literal(due.day, FOLLOWUP.c.next_due_date.type),
                   literal(has_time), literal(campaign_id, FOLLOWUP.c.campaign_id.type),
                   literal(now, FOLLOWUP.c.created_at.type))
            .select_from(Customer).join(User, User.id == Customer.owner_id)
            .where(where, ~open_step_exists())
        )
        insert = (postgresql.insert(FOLLOWUP) if session.get_bind().dialect.name == "postgresql"
                  else sqlite.insert(FOLLOWUP))
        result = session.execute(insert.from_select(list(_COLUMNS), query).on_conflict_do_nothing()
                                 .execution_options(preserve_rowcount=True))
        created += max(result.rowcount or 0, 0)
    return created


def mirror_on_customers(session: Session, *, campaign_id: int | None, now: datetime,
                        customers: Any = None) -> None:
    """Set the customers' denormalised next step (the card's "next step") from their open steps planned now: the
    campaign's, or (`campaign_id` None) those created at `now` for the `customers` subquery of ids."""
    planned = (FollowUp.campaign_id == campaign_id if campaign_id is not None
               else and_(FollowUp.created_at == now, FollowUp.customer_id.in_(customers)))
    is_open = (FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None))
    mine = (select(FollowUp.next_due_at).where(FollowUp.customer_id == Customer.id, planned, *is_open)
            .limit(1).scalar_subquery())
    step = (select(FollowUp.next_step).where(FollowUp.customer_id == Customer.id, planned, *is_open)
            .limit(1).scalar_subquery())
    session.execute(
        update(Customer)
        .where(Customer.id.in_(select(FollowUp.customer_id).where(planned, *is_open)))
        .values(next_followup_at=mine, next_step=step, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def late_step(now: datetime, today: date) -> ColumnElement[bool]:
    """An open step is overdue: past its time, or (date-only) its day is over in the viewer's calendar."""
    return and_(FollowUp.done_at.is_(None),
                or_(and_(FollowUp.next_due_has_time.is_(True), FollowUp.next_due_at < now),
                    and_(FollowUp.next_due_has_time.is_(False), FollowUp.next_due_date < today)))
