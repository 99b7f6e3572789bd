"""What a manager's digest says, as plain data: one bounded query per section over the manager's scope.

The scope is `bot.access.visible_customers` for the manager (their teams' customers). Lists are capped at
`LIST_LIMIT` items with the full count alongside; every query selects columns, never entities in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.access import managed_team_ids, visible_customers
from bot.calendar.birthdays import Birthday, birthday_keys_for
from bot.calendar.churn import assess_many, population_gaps_by_segment
from bot.notifications.churn_features import churn_items, churn_rows, created_ordinals
from bot.services.agenda import birthday_predicate
from bot.services.campaigns import late_step
from bot.services.duplicates import new_pairs_for_digest
from bot.services.tickets import median_hours_to_close, open_ticket_counts
from storage.models import (
    Campaign,
    Contact,
    Contract,
    Customer,
    FollowUp,
    NotificationOutbox,
    Opportunity,
    Order,
    Ticket,
    User,
)

LIST_LIMIT = 10
CAMPAIGN_DAYS = 30
BIRTHDAY_DAYS = 7
AT_RISK_LEVELS = ("at_risk", "lapsed")
# Dead rows with these reasons were never failures (see bot.notifications.dispatch).
NOT_FAILURES = ("stale:%", "obsolete:%", "deactivated:%")

Owner = aliased(User, name="owner")
Author = aliased(User, name="author")


@dataclass(frozen=True)
class Listed:
    """Up to `LIST_LIMIT` items and the full count."""

    items: tuple[tuple, ...]
    total: int


@dataclass(frozen=True)
class DigestData:
    """Every section of one digest; windows are local [start, end) of the manager's zone."""

    period: str  # daily / weekly
    start: date
    end: date
    followups_per_rep: tuple[tuple[str, int], ...]
    new_customers: Listed  # (id, name, owner)
    overdue_followups: Listed  # (customer id, customer, owner, step, due date)
    at_risk: Listed  # (customer id, customer, level, silence days, ratio)
    overdue_payments: Listed  # (order id, customer, owner, amount, currency, due date)
    birthdays: Listed  # (contact, customer, date)
    dead_letters: Listed  # (outbox id, kind, recipient, reason)
    skipped: tuple[tuple[str, str, int], ...] = ()  # (kind, why: stale / obsolete, how many) not sent on purpose
    # Deactivated people who still own customers: (name, customers, open steps), until someone hands them over.
    deactivated_books: Listed = Listed((), 0)
    # (deal id, title, customer, owner, stage key, days in the stage, expected close, whether that date passed)
    stalled_deals: Listed = Listed((), 0)
    tickets: TicketFigures | None = None  # open / overdue now, closed in the window and their median time to close
    # Campaigns of the last `CAMPAIGN_DAYS` with steps in the scope: (name, done, open, overdue).
    campaigns: tuple[tuple[str, int, int, int], ...] = ()
    # Live contracts ending from today to the end of the month, not renewed: (ref id, customer, owner, title,
    # amount or None, currency, last day), and their value summed per currency.
    contracts_ending: Listed = Listed((), 0)
    contracts_value: tuple[tuple[str, Decimal], ...] = ()

    # Weekly only: likely duplicates the weekly scan found new this week: (keep id, keep, drop id, drop, reason).
    duplicates: Listed = Listed((), 0)


@dataclass(frozen=True)
class TicketFigures:
    """The tickets of a digest's scope: open and overdue now; closed in the window, with the median hours to close."""

    open: int
    overdue: int
    closed: int
    median_hours: float | None


def digest_window(period: str, today: date) -> tuple[date, date]:
    """Yesterday for a daily digest; the previous Monday–Sunday for a weekly one."""
    if period == "weekly":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday
    return today - timedelta(days=1), today


def gather_digest(session: Session, manager: User, *, period: str, now: datetime, tz: ZoneInfo,
                  stuck_after_days: int = 14) -> DigestData:
    """Collect the digest of `manager` at `now` (days counted in `tz`; deals resting `stuck_after_days` in one
    stage count as stuck)."""
    today = now.astimezone(tz).date()
    start, end = digest_window(period, today)
    since, until = _instant(start, tz), _instant(end, tz)
    scope = visible_customers(session, manager)
    return DigestData(
        period=period, start=start, end=end,
        followups_per_rep=_followups_per_rep(session, scope, since, until),
        new_customers=_new_customers(session, scope, since, until),
        overdue_followups=_overdue_followups(session, scope, now),
        at_risk=_at_risk(session, scope, today),
        overdue_payments=_overdue_payments(session, scope, today),
        birthdays=_birthdays(session, scope, today),
        dead_letters=_dead_letters(session, manager, since, now),
        skipped=_skipped(session, manager, since, now),
        deactivated_books=_deactivated_books(session, scope),
        stalled_deals=_stalled_deals(session, scope, now, today, stuck_after_days),
        tickets=_tickets(session, scope, now, since, until),
        campaigns=_campaigns(session, manager, scope, now, today),
        **_contracts_ending(session, scope, today),
        duplicates=_duplicates(session, scope, now) if period == "weekly" else Listed((), 0),
    )


def _stalled_deals(session: Session, scope: ColumnElement[bool], now: datetime, today: date,
                   stuck_after_days: int) -> Listed:
    """Open deals of the scope stuck in their stage or past their expected close, the longest waiting first."""
    stuck_since = now - timedelta(days=stuck_after_days)
    where = (scope, Opportunity.status == "open", col(Opportunity.deleted_at).is_(None),
             or_(Opportunity.stage_since <= stuck_since, Opportunity.expected_close < today))
    owner = func.coalesce(func.nullif(Owner.display_name, ""), Owner.name)
    query = (select(Opportunity.id, Opportunity.title, Customer.name, owner, Opportunity.stage,
                    Opportunity.stage_since, Opportunity.expected_close)
             .select_from(Opportunity).join(Customer, Customer.id == Opportunity.customer_id)
             .join(Owner, Owner.id == Opportunity.owner_id).where(*where)
             .order_by(Opportunity.stage_since, Opportunity.id))
    count = (select(func.count()).select_from(Opportunity).join(Customer, Customer.id == Opportunity.customer_id)
             .where(*where))
    listed = _listed(session, query, count)
    items = tuple((i, title, customer, who, stage, (now - since).days, close, close is not None and close < today)
                  for i, title, customer, who, stage, since, close in listed.items)
    return Listed(items, listed.total)


def _campaigns(session: Session, manager: User, scope: ColumnElement[bool], now: datetime,
               today: date) -> tuple[tuple[str, int, int, int], ...]:
    """Recent campaigns' steps on the scope's customers: done, open and overdue per campaign, newest first."""
    is_open, late = FollowUp.done_at.is_(None), late_step(now, today)
    rows = session.execute(
        select(Campaign.name, func.sum(case((is_open, 0), else_=1)),
               func.sum(case((late, 0), (is_open, 1), else_=0)), func.sum(case((late, 1), else_=0)))
        .select_from(Campaign).join(FollowUp, FollowUp.campaign_id == Campaign.id)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(Campaign.tenant == manager.tenant, Campaign.created_at >= now - timedelta(days=CAMPAIGN_DAYS),
               FollowUp.deleted_at.is_(None), scope)
        .group_by(Campaign.id, Campaign.name).order_by(Campaign.id.desc()).limit(LIST_LIMIT)
    ).all()
    return tuple((name, int(done or 0), int(open_ or 0), int(late or 0)) for name, done, open_, late in rows)


def _tickets(session: Session, scope: ColumnElement[bool], now: datetime, since: datetime,
             until: datetime) -> TicketFigures:
    counts = open_ticket_counts(session, scope, now)
    closed = session.execute(select(func.count(Ticket.id)).join(Customer, Customer.id == Ticket.customer_id)
                             .where(Ticket.closed_at >= since, Ticket.closed_at < until, scope)).scalar_one()
    median = median_hours_to_close(session, scope, since, until) if closed else None
    return TicketFigures(counts.open, counts.overdue, closed, median)


def _duplicates(session: Session, scope: ColumnElement[bool], now: datetime) -> Listed:
    rows, total = new_pairs_for_digest(session, scope, since=now - timedelta(days=7), limit=LIST_LIMIT)
    return Listed(tuple(rows), total)


def _instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _listed(session: Session, query, count_query) -> Listed:
    items = tuple(tuple(row) for row in session.execute(query.limit(LIST_LIMIT)).all())
    total = len(items) if len(items) < LIST_LIMIT else session.execute(count_query).scalar_one()
    return Listed(items, total)


def _followups_per_rep(session: Session, scope: ColumnElement[bool], since: datetime,
                       until: datetime) -> tuple[tuple[str, int], ...]:
    who = func.coalesce(func.nullif(Author.display_name, ""), Author.name)
    rows = session.execute(
        select(who, func.count(FollowUp.id))
        .select_from(FollowUp)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(Author, Author.id == FollowUp.author_id)
        .where(scope, FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since, FollowUp.happened_at < until)
        .group_by(who)
        .order_by(func.count(FollowUp.id).desc(), who)
    ).all()
    return tuple((name, count) for name, count in rows)


def _new_customers(session: Session, scope: ColumnElement[bool], since: datetime, until: datetime) -> Listed:
    where = (scope, Customer.created_at >= since, Customer.created_at < until)
    owner = func.coalesce(func.nullif(Owner.display_name, ""), Owner.name)
    query = (select(Customer.id, Customer.name, owner).join(Owner, Owner.id == Customer.owner_id)
             .where(*where).order_by(Customer.created_at, Customer.id))
    return _listed(session, query, select(func.count()).select_from(Customer).where(*where))


def _overdue_followups(session: Session, scope: ColumnElement[bool], now: datetime) -> Listed:
    where = (scope, FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
             FollowUp.next_due_at < now)
    owner = func.coalesce(func.nullif(Owner.display_name, ""), Owner.name)
    query = (select(Customer.id, Customer.name, owner, FollowUp.next_step, FollowUp.next_due_date)
             .select_from(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
             .join(Owner, Owner.id == Customer.owner_id).where(*where).order_by(FollowUp.next_due_at, FollowUp.id))
    count = (select(func.count()).select_from(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
             .where(*where))
    return _listed(session, query, count)


def _at_risk(session: Session, scope: ColumnElement[bool], today: date) -> Listed:
    rows = churn_rows(session, today=today, scope=scope)
    names = {row[0]: row[1] for row in session.execute(select(Customer.id, Customer.name).where(scope))}
    items = churn_items(rows)
    flagged = [
        (customer_id, names.get(customer_id, "?"), a.level, a.silence_days, round(a.ratio, 1))
        for customer_id, a in assess_many(items, today=today, population_gaps=population_gaps_by_segment(items),
                                          created_ordinals=created_ordinals(rows))
        if a.level in AT_RISK_LEVELS
    ]
    flagged.sort(key=lambda item: (-item[4], item[1]))
    return Listed(tuple(flagged[:LIST_LIMIT]), len(flagged))


def _overdue_payments(session: Session, scope: ColumnElement[bool], today: date) -> Listed:
    where = (scope, Order.paid_at.is_(None), Order.deleted_at.is_(None), Order.payment_due < today)
    owner = func.coalesce(func.nullif(Owner.display_name, ""), Owner.name)
    query = (select(Order.id, Customer.name, owner, Order.amount, Order.currency, Order.payment_due)
             .select_from(Order).join(Customer, Customer.id == Order.customer_id)
             .join(Owner, Owner.id == Customer.owner_id).where(*where).order_by(Order.payment_due, Order.id))
    count = select(func.count()).select_from(Order).join(Customer, Customer.id == Order.customer_id).where(*where)
    return _listed(session, query, count)


def _birthdays(session: Session, scope: ColumnElement[bool], today: date) -> Listed:
    """Contacts in scope celebrating in the next `BIRTHDAY_DAYS` days: one query for all the days (the OR of
    each day's keys), each contact then placed on the first day whose keys include it."""
    days = [(today + timedelta(days=offset), birthday_keys_for(today + timedelta(days=offset)))
            for offset in range(BIRTHDAY_DAYS)]
    rows = session.execute(
        select(Contact.id, Contact.name, Customer.name, Contact.birthday_month, Contact.birthday_day,
               Contact.birthday_is_lunar, Contact.birthday_is_leap_month)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(scope, Contact.deleted_at.is_(None), or_(*(birthday_predicate(keys) for _, keys in days)))
    ).all()
    found: dict[int, tuple[str, str, date]] = {}
    for contact_id, contact, customer, month, day_of_month, lunar, leap in rows:
        birthday = Birthday(month, day_of_month, lunar, leap)
        on = next((day for day, keys in days if keys.includes(birthday)), None)
        if on is not None:
            found[contact_id] = (contact, customer, on)
    ordered = sorted(found.items(), key=lambda item: (item[1][2], item[1][0]))
    return Listed(tuple(entry for _, entry in ordered[:LIST_LIMIT]), len(ordered))


def _reach(session: Session, manager: User) -> ColumnElement[bool]:
    """Whose notifications the manager's digest accounts for: their own and their teams' (admins: all)."""
    if manager.role == "admin":
        return col(User.tenant) == manager.tenant
    teams = managed_team_ids(session, manager)
    return or_(User.id == manager.id, User.team_id.in_(teams)) if teams else col(User.id) == manager.id


def _skipped(session: Session, manager: User, since: datetime, now: datetime) -> tuple[tuple[str, str, int], ...]:
    """Notifications given up on purpose in the window, counted per kind and reason (stale / obsolete)."""
    outbox = NotificationOutbox
    reach = _reach(session, manager)
    rows: list[tuple[str, str, int]] = []
    for pattern in NOT_FAILURES:
        found = session.execute(
            select(outbox.kind, func.count())
            .join(User, User.id == outbox.recipient_id)
            .where(outbox.status == "dead", outbox.created_at >= since, outbox.created_at <= now,
                   outbox.last_error.like(pattern), reach)
            .group_by(outbox.kind).order_by(outbox.kind)
        ).all()
        rows += [(kind, pattern.rstrip(":%"), count) for kind, count in found]
    return tuple(rows)


def _dead_letters(session: Session, manager: User, since: datetime, now: datetime) -> Listed:
    outbox = NotificationOutbox
    recipient = func.coalesce(func.nullif(User.display_name, ""), User.name)
    reach = _reach(session, manager)
    where = (
        outbox.status == "dead",
        outbox.created_at >= since, outbox.created_at <= now,
        *(outbox.last_error.not_like(pattern) for pattern in NOT_FAILURES),
        reach,
    )
    query = (select(outbox.id, outbox.kind, recipient, outbox.last_error)
             .join(User, User.id == outbox.recipient_id).where(*where).order_by(outbox.id.desc()))
    count = select(func.count()).select_from(outbox).join(User, User.id == outbox.recipient_id).where(*where)
    return _listed(session, query, count)


def _deactivated_books(session: Session, scope: ColumnElement[bool]) -> Listed:
    owner = func.coalesce(func.nullif(Owner.display_name, ""), Owner.name)
    open_step = and_(FollowUp.customer_id == Customer.id, FollowUp.next_due_at.is_not(None),
                     FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None))
    rows = session.execute(
        select(owner, func.count(func.distinct(Customer.id)), func.count(FollowUp.id))
        .select_from(Customer).join(Owner, Owner.id == Customer.owner_id).outerjoin(FollowUp, open_step)
        .where(scope, Owner.deactivated_at.is_not(None))
        .group_by(Owner.id, owner).order_by(owner)
    ).all()
    items = tuple((name, customers, steps) for name, customers, steps in rows)
    return Listed(items[:LIST_LIMIT], len(items))


def _contracts_ending(session: Session, scope: ColumnElement[bool], today: date) -> dict[str, object]:
    """Contracts in scope whose last day falls between today and the end of this month, nobody having renewed
    or terminated them: the first `LIST_LIMIT` soonest first, the count and the value per currency."""
    successor = aliased(Contract, name="successor")
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    where = (scope, col(Contract.ended_on).is_(None), col(Contract.deleted_at).is_(None),
             col(Contract.ends_on) >= today, col(Contract.ends_on) <= month_end,
             ~select(successor.id).where(successor.renewed_from_id == Contract.id).exists())
    owner = func.coalesce(func.nullif(Owner.display_name, ""), Owner.name)
    base = select(Contract.id).join(Customer, Customer.id == Contract.customer_id).where(*where)
    query = (select(Contract.id, Customer.name, owner, Contract.title, Contract.amount, Contract.currency,
                    Contract.ends_on)
             .join(Customer, Customer.id == Contract.customer_id).join(Owner, Owner.id == Customer.owner_id)
             .where(*where).order_by(Contract.ends_on, Contract.id))
    listed = _listed(session, query, select(func.count()).select_from(base.subquery()))
    if not listed.total:
        return {"contracts_ending": listed}
    values = session.execute(
        select(Contract.currency, func.sum(Contract.amount)).join(Customer, Customer.id == Contract.customer_id)
        .where(*where, col(Contract.amount).is_not(None)).group_by(Contract.currency).order_by(Contract.currency)
    ).all()
    return {"contracts_ending": listed,
            "contracts_value": tuple((currency, Decimal(total)) for currency, total in values)}
