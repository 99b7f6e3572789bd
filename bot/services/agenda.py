"""A rep's day ("my day", 我的一天) as plain data: the `today` command, Slack's App Home and the scheduler
read the same queries and render them their own way.

Every section is ONE bounded query (its total counted beside its rows with a window count) that starts from
the asker's scope: the rep's customers through ``ix_customer_owner``, then each customer's rows through an
index that starts with the customer (never a tenant-wide range filtered by owner afterwards); seven statements
for the whole agenda:

- next steps: open follow-up steps of customers the rep owns, due before the end of their local day;
- reminders: the rep's own open reminders due before the end of their local day;
- birthdays: contacts of the rep's customers celebrating today or in the next ``BIRTHDAY_DAYS`` days,
  matched with one set-based predicate over all those days built from ``birthday_keys_for`` (no birthday is
  ever converted row by row);
- at risk: the churn assessment runs only on a bounded candidate set, the ``AT_RISK_CANDIDATES`` customers
  silent longest (over ``SILENCE_DAYS`` days) and not snoozed, their contact figures read in one query;
- overdue payments: unpaid orders of the rep's customers whose payment was due before today;
- tickets: open tickets assigned to the rep, soonest deadline first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import Session, select

from bot.calendar.birthdays import Birthday, BirthdayKeys, age_on, birthday_keys_for
from bot.calendar.churn import assess_churn
from bot.cards import DEFAULT_POPULATION_GAP
from bot.notifications.churn_features import churn_rows
from bot.services.planner import unindexed
from storage.models import Contact, Customer, FollowUp, Order, Reminder, Ticket, User

BIRTHDAY_DAYS = 7  # today and the next seven days
SILENCE_DAYS = 30
AT_RISK_CANDIDATES = 10
SECTION_LIMIT = 20

T = TypeVar("T")


@dataclass(frozen=True)
class Section(Generic[T]):
    """Up to `SECTION_LIMIT` items, and how many there are in all."""

    items: tuple[T, ...]
    total: int


@dataclass(frozen=True)
class DueStep:
    """An open next step of one of the rep's customers, due today or overdue."""

    followup_id: int
    customer_id: int
    customer_name: str
    step: str | None
    due_at: datetime
    has_time: bool
    overdue: bool


@dataclass(frozen=True)
class DueReminder:
    """One of the rep's own reminders, due today or overdue."""

    reminder_id: int
    customer_id: int | None
    customer_name: str | None
    text: str
    due_at: datetime
    has_time: bool
    overdue: bool


@dataclass(frozen=True)
class UpcomingBirthday:
    """A contact's birthday on `on` (a local date), `days_away` from today."""

    contact_id: int
    contact_name: str
    customer_id: int
    customer_name: str
    on: date
    days_away: int
    birthday: Birthday
    age: int | None


@dataclass(frozen=True)
class AtRiskCustomer:
    """A customer whose silence passed its own contact rhythm."""

    customer_id: int
    customer_name: str
    level: str
    silence_days: int
    usual_gap_days: float


@dataclass(frozen=True)
class OverduePayment:
    """An unpaid order whose payment was due before today."""

    order_id: int
    customer_id: int
    customer_name: str
    amount: Decimal
    currency: str
    payment_due: date
    days_overdue: int


@dataclass(frozen=True)
class OpenTicket:
    """An open ticket assigned to the rep, soonest deadline first."""

    ticket_id: int
    customer_id: int
    customer_name: str
    priority: str
    text: str
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class Agenda:
    """Everything on a rep's plate on their local `day`."""

    day: date
    steps: Section[DueStep]
    reminders: Section[DueReminder]
    birthdays: tuple[UpcomingBirthday, ...]
    at_risk: tuple[AtRiskCustomer, ...]
    payments: Section[OverduePayment]
    tickets: Section[OpenTicket] = Section((), 0)

    @property
    def empty(self) -> bool:
        return not (self.steps.total or self.reminders.total or self.birthdays or self.at_risk
                    or self.payments.total or self.tickets.total)


def agenda_for(session: Session, user: User, *, now: datetime, tz: ZoneInfo) -> Agenda:
    """The agenda of `user` at `now`, with days counted in `tz` (the user's zone)."""
    today = now.astimezone(tz).date()
    end_of_day = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    return Agenda(
        day=today,
        steps=due_steps(session, user, now=now, today=today, until=end_of_day),
        reminders=due_reminders(session, user, now=now, today=today, tz=tz, until=end_of_day),
        birthdays=upcoming_birthdays(session, user, today=today),
        at_risk=at_risk_customers(session, user, now=now, today=today),
        payments=overdue_payments(session, user, today=today),
        tickets=open_tickets(session, user, now=now),
    )


def _own(user: User) -> ColumnElement[bool]:
    return and_(Customer.owner_id == user.id, Customer.tenant == user.tenant, Customer.deleted_at.is_(None),
                Customer.pooled_at.is_(None))


def _section(session: Session, statement, build) -> Section:
    """The first `SECTION_LIMIT` rows of `statement` and, in the same statement, how many there are in all."""
    rows = session.exec(statement.add_columns(func.count().over().label("total")).limit(SECTION_LIMIT)).all()
    total = rows[0][-1] if rows else 0
    return Section(tuple(build(tuple(row)[:-1]) for row in rows), total)


def due_steps(session: Session, user: User, *, now: datetime, today: date, until: datetime,
              scope: ColumnElement[bool] | None = None, overdue_only: bool = False) -> Section[DueStep]:
    """Open next steps of the user's customers due before `until` (the end of their day), oldest first.

    `scope` replaces "the user's own customers" (a manager's team); `overdue_only` leaves out date-only
    steps due today (they are not late yet).
    """
    where = (_own(user) if scope is None else scope, FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
             FollowUp.next_due_at.is_not(None), unindexed(FollowUp.next_due_at) < until,
             *((or_(FollowUp.next_due_has_time.is_(True), FollowUp.next_due_date < today),) if overdue_only else ()))
    statement = (select(FollowUp, Customer.name).select_from(Customer)
                 .join(FollowUp, FollowUp.customer_id == Customer.id)
                 .where(*where).order_by(unindexed(FollowUp.next_due_at), FollowUp.id))

    def build(row) -> DueStep:
        step, name = row
        overdue = (step.next_due_at < now) if step.next_due_has_time else (step.next_due_date or today) < today
        return DueStep(step.id, step.customer_id, name, step.next_step, step.next_due_at,
                       step.next_due_has_time, overdue)

    return _section(session, statement, build)


def due_reminders(session: Session, user: User, *, now: datetime, today: date, tz: ZoneInfo,
                  until: datetime) -> Section[DueReminder]:
    """The user's open reminders due before `until`, oldest first."""
    where = (Reminder.assignee_id == user.id, Reminder.done_at.is_(None), Reminder.deleted_at.is_(None),
             Reminder.due_at < until, or_(Reminder.customer_id.is_(None), Customer.deleted_at.is_(None)))
    statement = (select(Reminder, Customer.name).outerjoin(Customer, Customer.id == Reminder.customer_id)
                 .where(*where).order_by(Reminder.due_at, Reminder.id))

    def build(row) -> DueReminder:
        reminder, name = row
        overdue = reminder.due_at < now if reminder.due_has_time else reminder.due_at.astimezone(tz).date() < today
        return DueReminder(reminder.id, reminder.customer_id, name, reminder.text, reminder.due_at,
                           reminder.due_has_time, overdue)

    return _section(session, statement, build)


def birthday_predicate(keys: BirthdayKeys, *, column: Callable[[Any], Any] = lambda c: c) -> ColumnElement[bool]:
    """The SQL twin of ``BirthdayKeys.includes``: contacts whose stored birthday falls on the keys' day.

    `column` may wrap each column (`planner.unindexed`), so that a reader of one scope reaches its contacts
    through its customers rather than through the tenant's birthdays.
    """
    month, day = column(Contact.birthday_month), column(Contact.birthday_day)
    lunar_flag, leap = column(Contact.birthday_is_lunar), column(Contact.birthday_is_leap_month)
    solar = [and_(month == m, day == d) for m, d in keys.solar]
    lunar = [and_(month == m, day == d, leap.in_(allowed)) for m, d, allowed in keys.lunar]
    return or_(
        and_(lunar_flag.is_(False), or_(*solar) if solar else false()),
        and_(lunar_flag.is_(True), or_(*lunar) if lunar else false()),
    )


def upcoming_birthdays(session: Session, user: User, *, today: date, days: int = BIRTHDAY_DAYS,
                       scope: ColumnElement[bool] | None = None) -> tuple[UpcomingBirthday, ...]:
    """Contacts of the user's customers (or of `scope`) whose birthday is celebrated from `today` to
    `today + days`.

    One query for all the days (the OR of each day's keys); each contact is then placed on the first of those
    days whose keys include it, the same test in Python.
    """
    keys = [(offset, today + timedelta(days=offset)) for offset in range(days + 1)]
    day_keys = [(offset, day, birthday_keys_for(day)) for offset, day in keys]
    # A rep's few hundred customers are read first and their contacts through the customer index; a team's
    # thousands are better matched through the birthday index.
    column: Callable[[Any], Any] = unindexed if scope is None else (lambda c: c)
    rows = session.exec(
        select(Contact, Customer.name).select_from(Customer).join(Contact, Contact.customer_id == Customer.id)
        .where(_own(user) if scope is None else scope, Contact.deleted_at.is_(None),
               or_(*(birthday_predicate(k, column=column) for _, _, k in day_keys)))
        .order_by(Contact.id)
    ).all()
    found: dict[int, UpcomingBirthday] = {}
    for contact, customer_name in rows:
        birthday = Birthday(contact.birthday_month, contact.birthday_day, contact.birthday_is_lunar,
                            contact.birthday_is_leap_month, contact.birthday_year)
        for offset, day, day_key in day_keys:
            if day_key.includes(birthday):
                found[contact.id] = UpcomingBirthday(contact.id, contact.name, contact.customer_id, customer_name,
                                                     day, offset, birthday, _age(birthday, day))
                break
    return tuple(sorted(found.values(), key=lambda b: (b.on, b.contact_name)))


def _age(birthday: Birthday, day: date) -> int | None:
    try:
        return age_on(birthday, day)
    except ValueError:  # a birth year after `day`: no age to celebrate
        return None


def at_risk_customers(session: Session, user: User, *, now: datetime, today: date,
                      limit: int = AT_RISK_CANDIDATES,
                      scope: ColumnElement[bool] | None = None) -> tuple[AtRiskCustomer, ...]:
    """Among the user's (or `scope`'s) `limit` longest-silent customers (silent over `SILENCE_DAYS`), those
    churn flags.

    Two queries: the candidates, then their contact figures together (the scheduler's own aggregate).
    """
    cutoff = now - timedelta(days=SILENCE_DAYS)
    silent_since = func.coalesce(Customer.last_contact_at, Customer.created_at)
    candidates = session.exec(
        select(Customer.id, Customer.name, Customer.created_at)
        .where(_own(user) if scope is None else scope, silent_since < cutoff,
               or_(Customer.snoozed_until.is_(None), Customer.snoozed_until < today))
        .order_by(silent_since, Customer.id)
        .limit(limit)
    ).all()
    if not candidates:
        return ()
    figures = {row[0]: row for row in churn_rows(session, today=today,
                                                 scope=Customer.id.in_([c.id for c in candidates]))}
    flagged = []
    for customer_id, name, created_at in candidates:
        row = figures.get(customer_id)
        days = (row[1] or 0) if row else 0
        churn = assess_churn(
            contact_days=days, first_contact=_day(row[2]) if days else None,
            last_contact=_day(row[3]) if days else None, today=today,
            population_gap_days=DEFAULT_POPULATION_GAP,
            created=created_at.date(),  # a lead never contacted since creation goes quiet too
        )
        if churn.level is not None:
            flagged.append(AtRiskCustomer(customer_id, name, churn.level, churn.silence_days, churn.usual_gap_days))
    return tuple(flagged)


def _day(value: object) -> date | None:
    """A contact day as `churn_rows` returns it: a date (PostgreSQL) or 'YYYY-MM-DD' text (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def overdue_payments(session: Session, user: User, *, today: date) -> Section[OverduePayment]:
    """Unpaid orders of the user's customers with a payment due date before `today`, oldest first."""
    # An unindexed `paid_at`: the partial index of the tenant's unpaid orders no longer qualifies, so they are reached
    # through the scope's customers (a comparison with `today` is never true of a missing due date).
    where = (_own(user), unindexed(Order.paid_at).is_(None), Order.deleted_at.is_(None),
             Order.payment_due < today)
    statement = (select(Order, Customer.name).select_from(Customer).join(Order, Order.customer_id == Customer.id)
                 .where(*where).order_by(Order.payment_due, Order.id))

    def build(row) -> OverduePayment:
        order, name = row
        return OverduePayment(order.id, order.customer_id, name, order.amount, order.currency, order.payment_due,
                              (today - order.payment_due).days)

    return _section(session, statement, build)


def open_tickets(session: Session, user: User, *, now: datetime) -> Section[OpenTicket]:
    """Open tickets assigned to the user (through ``ix_ticket_assignee``), soonest deadline first."""
    statement = (select(Ticket, Customer.name).join(Customer, Customer.id == Ticket.customer_id)
                 .where(Ticket.assignee_id == user.id, Ticket.closed_at.is_(None), Customer.deleted_at.is_(None))
                 .order_by(Ticket.due_at, Ticket.id))

    def build(row) -> OpenTicket:
        ticket, name = row
        return OpenTicket(ticket.id, ticket.customer_id, name, ticket.priority, ticket.text, ticket.due_at,
                          ticket.due_at < now)

    return _section(session, statement, build)
