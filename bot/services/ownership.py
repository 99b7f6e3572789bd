"""Moving customers between reps: one customer (`assign`) or a whole book (`handover`), set-based.

What moves with a customer: its owner and team (the new owner's team), the open reminders about it that
belonged to the previous owner (other people's personal reminders stay theirs), and its open next steps.
Next steps have no assignee of their own (they follow the customer's owner), but a date-only step falls
due at its owner's morning hour in the owner's zone, so those instants are recomputed for the new owner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, insert, literal, update
from sqlmodel import Session, select

from bot.pipeline.deals import move_open_deals
from bot.services.people import morning_hour_of, morning_instant, zone_of
from config.settings import Settings
from storage.models import AuditLog, Customer, FollowUp, Reminder, User


@dataclass(frozen=True)
class HandoverCounts:
    """What a handover moved."""

    customers: int
    open_steps: int
    reminders: int


def _open_step(*extra):
    return (FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None), FollowUp.next_due_at.is_not(None), *extra)


def move_reminders(session: Session, customer_ids: Select, *, from_user: User, to_user: User) -> int:
    """Give `to_user` the open reminders of `from_user` about the customers in `customer_ids`."""
    result = session.exec(
        update(Reminder)
        .where(Reminder.assignee_id == from_user.id, Reminder.customer_id.in_(customer_ids),
               Reminder.done_at.is_(None), Reminder.deleted_at.is_(None))
        .values(assignee_id=to_user.id)
    )
    return result.rowcount or 0


def rebase_date_only_steps(session: Session, customer_ids: Select, *, owner: User, settings: Settings) -> int:
    """Re-time open date-only next steps of `customer_ids` to `owner`'s morning hour in `owner`'s zone.

    One UPDATE per distinct due date (a handful), then one UPDATE that copies the new instants onto the
    customers; returns how many steps were re-timed.
    """
    tz, hour = zone_of(owner, settings), morning_hour_of(owner, settings)
    date_only = _open_step(FollowUp.customer_id.in_(customer_ids), FollowUp.next_due_has_time.is_(False),
                           FollowUp.next_due_date.is_not(None))
    days = session.exec(select(FollowUp.next_due_date).where(*date_only).distinct()).all()
    moved = 0
    for day in days:
        result = session.exec(
            update(FollowUp).where(*date_only, FollowUp.next_due_date == day)
            .values(next_due_at=morning_instant(day, tz, hour))
        )
        moved += result.rowcount or 0
    if moved:
        latest_open = (select(func.max(FollowUp.next_due_at))
                       .where(FollowUp.customer_id == Customer.id, *_open_step())
                       .scalar_subquery())
        retimed = select(FollowUp.customer_id).where(*date_only)
        session.exec(update(Customer).where(Customer.id.in_(retimed)).values(next_followup_at=latest_open))
    return moved


def reassign_customer(session: Session, customer: Customer, *, new_owner: User, settings: Settings,
                      now: datetime, by: User | None = None) -> int:
    """Make `new_owner` own `customer` (team follows; `by` assigns it, from the public pool too); returns how
    many reminders moved with it."""
    ids = select(Customer.id).where(Customer.id == customer.id)
    if customer.pooled_at is not None:  # a manager assigns from the public pool: the release ends with a claim
        from bot.pool.service import take

        take(session, customer, claimer=new_owner, now=now, assigned_by=by)
        reminders = 0
    else:
        previous = session.get(User, customer.owner_id)
        reminders = move_reminders(session, ids, from_user=previous, to_user=new_owner) if previous else 0
        customer.owner_id = new_owner.id  # type: ignore[assignment]  # a stored user has an id
        customer.team_id = new_owner.team_id
        customer.updated_at = now
        session.add(customer)
        session.flush()
    rebase_date_only_steps(session, ids, owner=new_owner, settings=settings)
    move_open_deals(session, ids, to_user_id=new_owner.id, now=now)
    session.refresh(customer)
    return reminders


def hand_over_book(session: Session, *, from_user: User, to_user: User, settings: Settings, now: datetime,
                   audit_as: User, platform: str) -> tuple[HandoverCounts, list[int]]:
    """Move every customer of `from_user` (deleted ones too, so a restore lands with the new owner) to
    `to_user` in set-based statements, writing one audit row per customer in the same transaction.

    Returns the counts and the ids of the live (not deleted) customers moved, for change events.
    """
    book = select(Customer.id).where(Customer.tenant == from_user.tenant, Customer.owner_id == from_user.id)
    # The book's rows stay locked to the end, so a concurrent assign of one of them waits or went first.
    rows = session.exec(
        select(Customer.id, Customer.deleted_at)
        .where(Customer.tenant == from_user.tenant, Customer.owner_id == from_user.id)
        .with_for_update()
    ).all()
    live_ids: list[int] = [customer_id for customer_id, deleted_at in rows if deleted_at is None]
    open_steps = session.exec(
        select(func.count()).select_from(FollowUp).where(FollowUp.customer_id.in_(book), *_open_step())
    ).one()
    reminders = move_reminders(session, book, from_user=from_user, to_user=to_user)
    _audit_each(session, book, from_user=from_user, to_user=to_user, actor=audit_as, platform=platform, now=now)
    moved = session.exec(
        update(Customer)
        .where(Customer.tenant == from_user.tenant, Customer.owner_id == from_user.id)
        .values(owner_id=to_user.id, team_id=to_user.team_id, updated_at=now)
    ).rowcount or 0
    new_book = select(Customer.id).where(Customer.tenant == to_user.tenant, Customer.owner_id == to_user.id)
    rebase_date_only_steps(session, new_book, owner=to_user, settings=settings)
    move_open_deals(session, select(Customer.id).where(Customer.id.in_([*live_ids, -1])), to_user_id=to_user.id, now=now)
    session.expire_all()  # the ORM copies of moved rows are stale after bulk UPDATEs
    return HandoverCounts(customers=moved, open_steps=open_steps, reminders=reminders), live_ids


def _audit_each(session: Session, book: Select, *, from_user: User, to_user: User, actor: User, platform: str,
                now: datetime) -> None:
    """One `assign` audit row per customer of `book`, inserted by a single INSERT … SELECT."""
    columns = AuditLog.__table__.c
    before = json.dumps({"owner_id": from_user.id, "team_id": from_user.team_id}, sort_keys=True)
    after = json.dumps({"owner_id": to_user.id, "team_id": to_user.team_id, "via": "handover"}, sort_keys=True)
    rows = select(
        literal(actor.tenant), literal(actor.id), literal(platform), literal("assign"), literal("customer"),
        Customer.id, literal(before), literal(after), literal(now, type_=columns.at.type),
    ).where(Customer.id.in_(book))
    session.exec(insert(AuditLog).from_select(
        ["tenant", "user_id", "platform", "action", "entity", "entity_id", "before", "after", "at"], rows))
