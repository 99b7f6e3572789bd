"""Enqueue statements for things that fall due: follow-up steps, reminders, unpaid orders, escalations.

One ``INSERT … SELECT`` per kind for every zone at once (see `outbox_sql`, `zone_clocks`). The WHERE clauses
repeat the partial-index predicates exactly as the indexes declare them (``done_at IS NULL AND deleted_at IS
NULL`` …) and bound the indexed column to one range covering every zone, so each statement reads only open,
recently due rows, once; the recipient's own local date and hour then decide row by row.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.notifications import kinds
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from storage.models import Customer, FollowUp, ManagerTeam, Order, Reminder, User

# Date-only steps are due at the morning hour, which a user may move; this margin keeps them inside the
# index range scan on next_due_at however the hour was changed after the step was logged.
_MORNING_SLACK = timedelta(days=2)

Owner = aliased(User, name="owner")
Manager = aliased(User, name="manager")
StandIn = aliased(User, name="stand_in")
StandInTeam = aliased(ManagerTeam, name="stand_in_team")


def _recipient(person: Any, team_id: Any) -> ColumnElement[int]:
    """`person` while active; once deactivated, the first active manager of `team_id` (until a handover)."""
    stand_in = (
        select(func.min(StandInTeam.manager_id))
        .join(StandIn, StandIn.id == StandInTeam.manager_id)
        .where(StandInTeam.team_id == team_id, StandIn.deactivated_at.is_(None), StandIn.id != person.id)
        .scalar_subquery()
    )
    return case((person.deactivated_at.is_(None), person.id), else_=stand_in)


def enqueue_followups_due(session: Session, clocks: ZoneClocks) -> int:
    """Open follow-up steps whose time has come (date-only steps: the owner's morning hour) → owner DM.

    A deactivated owner's steps go to a manager of the team instead, in the owner's clock, until a handover.
    """
    today = clocks.today(Owner)
    due_now = or_(
        and_(FollowUp.next_due_has_time.is_(True), FollowUp.next_due_at <= clocks.now),
        and_(
            FollowUp.next_due_has_time.is_(False),
            or_(FollowUp.next_due_date < today, and_(FollowUp.next_due_date == today, clocks.morning_passed(Owner))),
        ),
    )
    recipient = _recipient(Owner, func.coalesce(Customer.team_id, Owner.team_id))
    query = (
        select(*outbox_columns(
            kinds.FOLLOWUP_DUE, subject_id=FollowUp.id, due_date=FollowUp.next_due_date,
            channel=user_channel(recipient), recipient_id=recipient, clocks=clocks, audience=Owner,
        ))
        .select_from(FollowUp)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(
            FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
            FollowUp.next_due_at <= clocks.now + _MORNING_SLACK,
            FollowUp.next_due_at >= clocks.now - timedelta(days=clocks.catch_up_days) - _MORNING_SLACK,
            FollowUp.next_due_date >= clocks.today(Owner, plus_days=-clocks.catch_up_days),
            due_now,
            Customer.deleted_at.is_(None),
            Customer.pooled_at.is_(None),  # a customer in the public pool has no owner to remind
            _not_snoozed(today),
            recipient.is_not(None),  # a deactivated owner's steps go to their manager, when there is one
            clocks.in_zones(Owner),
        )
    )
    return insert_selected(session, query)


def enqueue_reminders_due(session: Session, clocks: ZoneClocks) -> int:
    """Personal reminders whose instant has come → the assignee's DM (deactivated: their manager's)."""
    recipient = _recipient(User, User.team_id)
    query = (
        select(*outbox_columns(
            kinds.REMINDER_DUE, subject_id=Reminder.id, due_date=Reminder.due_date,
            channel=user_channel(recipient), recipient_id=recipient, clocks=clocks, audience=User,
        ))
        .select_from(Reminder)
        .join(User, User.id == Reminder.assignee_id)
        .outerjoin(Customer, Customer.id == Reminder.customer_id)
        .where(
            Reminder.done_at.is_(None), Reminder.deleted_at.is_(None),
            # A reminder about a deleted customer waits with it: `restore` brings it back.
            or_(Reminder.customer_id.is_(None), Customer.deleted_at.is_(None)),
            Reminder.due_at <= clocks.now,
            Reminder.due_at >= clocks.now - timedelta(days=clocks.catch_up_days),
            recipient.is_not(None),  # a deactivated assignee's reminders go to their manager
            clocks.in_zones(User),
        )
    )
    return insert_selected(session, query)


def enqueue_followup_escalations(session: Session, clocks: ZoneClocks) -> int:
    """Steps still open `escalate_after_days` after their due date → each manager of the customer's team.

    The manager's zone decides: their local date, their morning hour, their quiet hours.
    """
    after_days = clocks.settings.scheduler.escalate_after_days
    last_due = clocks.today(Manager, plus_days=-after_days)
    query = (
        select(*outbox_columns(
            kinds.FOLLOWUP_OVERDUE, subject_id=FollowUp.id, due_date=FollowUp.next_due_date,
            channel=user_channel(ManagerTeam.manager_id), recipient_id=ManagerTeam.manager_id, clocks=clocks,
            audience=Manager,
        ))
        .select_from(FollowUp)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Owner.team_id))
        .join(Manager, Manager.id == ManagerTeam.manager_id)
        .where(
            FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
            FollowUp.next_due_at < clocks.now,
            FollowUp.next_due_at >= clocks.now - timedelta(days=after_days + clocks.catch_up_days) - _MORNING_SLACK,
            FollowUp.next_due_date <= last_due,
            FollowUp.next_due_date >= clocks.today(Manager, plus_days=-after_days - clocks.catch_up_days),
            Customer.deleted_at.is_(None),
            _not_snoozed(clocks.today(Manager)),
            Manager.id != Customer.owner_id,
            Manager.deactivated_at.is_(None),
            clocks.in_zones(Manager),
            clocks.morning_passed(Manager),
        )
    )
    return insert_selected(session, query)


def enqueue_payments_overdue(session: Session, clocks: ZoneClocks) -> int:
    """Unpaid orders whose payment due date has passed → the customer's owner, once per order."""
    today = clocks.today(Owner)
    query = (
        select(*outbox_columns(
            kinds.PAYMENT_OVERDUE, subject_id=Order.id, due_date=Order.payment_due,
            channel=user_channel(Customer.owner_id), recipient_id=Customer.owner_id, clocks=clocks, audience=Owner,
        ))
        .select_from(Order)
        .join(Customer, Customer.id == Order.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(
            Order.paid_at.is_(None), Order.deleted_at.is_(None),
            *_payment_due_between(clocks, Owner, first=-clocks.catch_up_days, last=-1),
            Customer.deleted_at.is_(None),
            Customer.pooled_at.is_(None),
            _not_snoozed(today),
            Owner.deactivated_at.is_(None),
            clocks.in_zones(Owner),
            clocks.morning_passed(Owner),
        )
    )
    return insert_selected(session, query)


def enqueue_payment_escalations(session: Session, clocks: ZoneClocks) -> int:
    """Orders still unpaid `payment_escalate_after_days` after their due date → the team's managers."""
    after_days = clocks.settings.scheduler.payment_escalate_after_days
    query = (
        select(*outbox_columns(
            kinds.PAYMENT_ESCALATION, subject_id=Order.id, due_date=Order.payment_due,
            channel=user_channel(ManagerTeam.manager_id), recipient_id=ManagerTeam.manager_id, clocks=clocks,
            audience=Manager,
        ))
        .select_from(Order)
        .join(Customer, Customer.id == Order.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Owner.team_id))
        .join(Manager, Manager.id == ManagerTeam.manager_id)
        .where(
            Order.paid_at.is_(None), Order.deleted_at.is_(None),
            *_payment_due_between(clocks, Manager, first=-after_days - clocks.catch_up_days, last=-after_days),
            Customer.deleted_at.is_(None),
            Manager.id != Customer.owner_id,
            Manager.deactivated_at.is_(None),
            clocks.in_zones(Manager),
            clocks.morning_passed(Manager),
        )
    )
    return insert_selected(session, query)


def _payment_due_between(clocks: ZoneClocks, user: Any, *, first: int, last: int) -> tuple[ColumnElement[bool], ...]:
    """``payment_due`` within [today + first, today + last] of the user's local date.

    The plain bounds over all zones come first: they are what SQLite turns into the range scan of
    ``ix_order_unpaid_due``; the per-zone bounds then keep exactly each recipient's window.
    """
    return (
        col(Order.payment_due) >= clocks.first_today + timedelta(days=first),
        col(Order.payment_due) <= clocks.last_today + timedelta(days=last),
        Order.payment_due >= clocks.today(user, plus_days=first),
        Order.payment_due <= clocks.today(user, plus_days=last),
    )


def _not_snoozed(today: date | ColumnElement[date]) -> ColumnElement[bool]:
    """The customer is not snoozed today (`snooze` sets `snoozed_until`, the last quiet day)."""
    return or_(Customer.snoozed_until.is_(None), Customer.snoozed_until < today)
