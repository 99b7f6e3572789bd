"""Enqueue statements for things that fall due: follow-up steps, reminders, unpaid orders, escalations.

One ``INSERT … SELECT`` per kind and zone (see `outbox_sql`). The WHERE clauses repeat the partial-index
predicates exactly as the indexes declare them (``done_at IS NULL AND deleted_at IS NULL`` …) and bound the
indexed column to a range, so each scan reads only open, recently due rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.notifications import kinds
from bot.notifications.outbox_sql import ZonePass, insert_selected, outbox_columns, user_channel
from storage.models import Customer, FollowUp, ManagerTeam, Order, Reminder, User

# Date-only steps are due at the morning hour, which a user may move; this margin keeps them inside the
# index range scan on next_due_at however the hour was changed after the step was logged.
_MORNING_SLACK = timedelta(days=2)

Owner = aliased(User, name="owner")
Manager = aliased(User, name="manager")


def enqueue_followups_due(session: Session, zp: ZonePass) -> int:
    """Open follow-up steps whose time has come (date-only steps: the owner's morning hour) → owner DM."""
    m = zp.moment
    due_now = or_(
        and_(FollowUp.next_due_has_time.is_(True), FollowUp.next_due_at <= zp.now),
        and_(
            FollowUp.next_due_has_time.is_(False),
            or_(FollowUp.next_due_date < m.today, and_(FollowUp.next_due_date == m.today, zp.morning_passed(Owner))),
        ),
    )
    query = (
        select(*outbox_columns(
            kinds.FOLLOWUP_DUE, subject_id=FollowUp.id, due_date=FollowUp.next_due_date,
            channel=user_channel(Customer.owner_id), recipient_id=Customer.owner_id, zone_pass=zp,
        ))
        .select_from(FollowUp)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(
            FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
            FollowUp.next_due_at <= zp.now + _MORNING_SLACK,
            FollowUp.next_due_at >= zp.now - timedelta(days=kinds.CATCH_UP_DAYS) - _MORNING_SLACK,
            FollowUp.next_due_date >= m.today - timedelta(days=kinds.CATCH_UP_DAYS),
            due_now,
            Customer.deleted_at.is_(None),
            _not_snoozed(m.today),
            Owner.deactivated_at.is_(None),
            zp.in_zone(Owner),
        )
    )
    return insert_selected(session, query)


def enqueue_reminders_due(session: Session, zp: ZonePass) -> int:
    """Personal reminders whose instant has come → the assignee's DM."""
    query = (
        select(*outbox_columns(
            kinds.REMINDER_DUE, subject_id=Reminder.id, due_date=Reminder.due_date,
            channel=user_channel(Reminder.assignee_id), recipient_id=Reminder.assignee_id, zone_pass=zp,
        ))
        .select_from(Reminder)
        .join(User, User.id == Reminder.assignee_id)
        .where(
            Reminder.done_at.is_(None), Reminder.deleted_at.is_(None),
            Reminder.due_at <= zp.now,
            Reminder.due_at >= zp.now - timedelta(days=kinds.CATCH_UP_DAYS),
            User.deactivated_at.is_(None),
            zp.in_zone(User),
        )
    )
    return insert_selected(session, query)


def enqueue_followup_escalations(session: Session, zp: ZonePass) -> int:
    """Steps still open `escalate_after_days` after their due date → each manager of the customer's team."""
    m = zp.moment
    last_due = m.today - timedelta(days=zp.settings.scheduler.escalate_after_days)
    query = (
        select(*outbox_columns(
            kinds.FOLLOWUP_OVERDUE, subject_id=FollowUp.id, due_date=FollowUp.next_due_date,
            channel=user_channel(ManagerTeam.manager_id), recipient_id=ManagerTeam.manager_id, zone_pass=zp,
        ))
        .select_from(FollowUp)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Owner.team_id))
        .join(Manager, Manager.id == ManagerTeam.manager_id)
        .where(
            FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
            FollowUp.next_due_at < zp.now,
            FollowUp.next_due_at >= zp.now - timedelta(
                days=zp.settings.scheduler.escalate_after_days + kinds.CATCH_UP_DAYS) - _MORNING_SLACK,
            FollowUp.next_due_date <= last_due,
            FollowUp.next_due_date >= last_due - timedelta(days=kinds.CATCH_UP_DAYS),
            Customer.deleted_at.is_(None),
            _not_snoozed(m.today),
            Manager.id != Customer.owner_id,
            Manager.deactivated_at.is_(None),
            zp.in_zone(Manager),
            zp.morning_passed(Manager),
        )
    )
    return insert_selected(session, query)


def enqueue_payments_overdue(session: Session, zp: ZonePass) -> int:
    """Unpaid orders whose payment due date has passed → the customer's owner, once per order."""
    m = zp.moment
    query = (
        select(*outbox_columns(
            kinds.PAYMENT_OVERDUE, subject_id=Order.id, due_date=Order.payment_due,
            channel=user_channel(Customer.owner_id), recipient_id=Customer.owner_id, zone_pass=zp,
        ))
        .select_from(Order)
        .join(Customer, Customer.id == Order.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(
            Order.paid_at.is_(None), Order.deleted_at.is_(None),
            Order.payment_due < m.today,
            Order.payment_due >= m.today - timedelta(days=kinds.CATCH_UP_DAYS),
            Customer.deleted_at.is_(None),
            _not_snoozed(m.today),
            Owner.deactivated_at.is_(None),
            zp.in_zone(Owner),
            zp.morning_passed(Owner),
        )
    )
    return insert_selected(session, query)


def enqueue_payment_escalations(session: Session, zp: ZonePass) -> int:
    """Orders still unpaid `payment_escalate_after_days` after their due date → the team's managers."""
    m = zp.moment
    last_due = m.today - timedelta(days=zp.settings.scheduler.payment_escalate_after_days)
    query = (
        select(*outbox_columns(
            kinds.PAYMENT_ESCALATION, subject_id=Order.id, due_date=Order.payment_due,
            channel=user_channel(ManagerTeam.manager_id), recipient_id=ManagerTeam.manager_id, zone_pass=zp,
        ))
        .select_from(Order)
        .join(Customer, Customer.id == Order.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Owner.team_id))
        .join(Manager, Manager.id == ManagerTeam.manager_id)
        .where(
            Order.paid_at.is_(None), Order.deleted_at.is_(None),
            Order.payment_due <= last_due,
            Order.payment_due >= last_due - timedelta(days=kinds.CATCH_UP_DAYS),
            Customer.deleted_at.is_(None),
            Manager.id != Customer.owner_id,
            Manager.deactivated_at.is_(None),
            zp.in_zone(Manager),
            zp.morning_passed(Manager),
        )
    )
    return insert_selected(session, query)


def _not_snoozed(today: date) -> ColumnElement[bool]:
    """The customer is not snoozed today (`snooze` sets `snoozed_until`, the last quiet day)."""
    return or_(Customer.snoozed_until.is_(None), Customer.snoozed_until < today)
