"""Team figures per rep for `report` (and the managers' digests): five GROUP BY queries, no per-row work.

Scope: an admin sees every rep of the tenant; a manager sees the members of the teams they manage.
Periods are trailing windows of local days ending today in the viewer's zone: ``week`` = 7 days,
``month`` = 30 days (so a Monday-morning report still covers a full week).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Numeric, case, func
from sqlmodel import Session, col, select

from bot.access import managed_team_ids
from bot.services.planner import unindexed
from storage.models import Customer, FollowUp, Order, Satisfaction, Team, User

PERIOD_DAYS = {"week": 7, "month": 30}


@dataclass
class RepFigures:
    """One rep's figures over the period."""

    user_id: int
    name: str
    team: str | None
    followups: int = 0
    new_customers: int = 0
    orders: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)  # currency -> total
    overdue_steps: int = 0
    surveys: int = 0  # survey answers about the rep's customers in the period
    low_surveys: int = 0  # of which low (alerted)


@dataclass(frozen=True)
class TeamReport:
    """Per-rep figures from `start` to `end` (local dates, inclusive), plus totals."""

    period: str
    start: date
    end: date
    reps: tuple[RepFigures, ...]

    @property
    def totals(self) -> RepFigures:
        total = RepFigures(user_id=0, name="", team=None)
        for rep in self.reps:
            total.followups += rep.followups
            total.new_customers += rep.new_customers
            total.orders += rep.orders
            total.overdue_steps += rep.overdue_steps
            total.surveys += rep.surveys
            total.low_surveys += rep.low_surveys
            for currency, amount in rep.amounts.items():
                total.amounts[currency] = total.amounts.get(currency, Decimal(0)) + amount
        return total


def reps_in_scope(session: Session, viewer: User) -> list[User]:
    """The users whose figures `viewer` may see: everyone for an admin, managed teams' members otherwise."""
    statement = select(User).where(User.tenant == viewer.tenant)
    if viewer.role != "admin":
        statement = statement.where(User.team_id.in_(managed_team_ids(session, viewer)))
    return list(session.exec(statement.order_by(User.team_id, User.name)).all())


def team_report(session: Session, viewer: User, *, period: str, now: datetime, tz: ZoneInfo) -> TeamReport:
    """Figures per rep in the viewer's scope over the trailing `period` (``week`` or ``month``)."""
    today = now.astimezone(tz).date()
    start = today - timedelta(days=PERIOD_DAYS[period] - 1)
    start_at = datetime.combine(start, time(), tzinfo=tz).astimezone(UTC)
    users = reps_in_scope(session, viewer)
    teams = dict(session.exec(select(Team.id, Team.name).where(Team.tenant == viewer.tenant)).all())
    figures = {u.id: RepFigures(u.id, u.display_name or u.name, teams.get(u.team_id)) for u in users}
    if not figures:
        return TeamReport(period, start, today, ())
    ids = list(figures)

    for author_id, count in session.exec(
        select(FollowUp.author_id, func.count()).where(
            FollowUp.author_id.in_(ids), FollowUp.deleted_at.is_(None),
            FollowUp.happened_at >= start_at, FollowUp.happened_at <= now,
        ).group_by(FollowUp.author_id)
    ).all():
        figures[author_id].followups = count

    owned = (Customer.owner_id.in_(ids), Customer.tenant == viewer.tenant, Customer.deleted_at.is_(None))
    for owner_id, count in session.exec(
        select(Customer.owner_id, func.count()).where(
            *owned, Customer.created_at >= start_at, Customer.created_at <= now
        ).group_by(Customer.owner_id)
    ).all():
        figures[owner_id].new_customers = count

    amounts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for owner_id, currency, count, total in session.exec(
        select(Customer.owner_id, Order.currency, func.count(), func.sum(Order.amount, type_=Numeric(16, 2)))
        .join(Customer, Customer.id == Order.customer_id)
        .where(*owned, Order.deleted_at.is_(None), Order.ordered_on >= start, Order.ordered_on <= today)
        .group_by(Customer.owner_id, Order.currency)
    ).all():
        figures[owner_id].orders += count
        amounts[owner_id][currency] = Decimal(str(total))
    for owner_id, by_currency in amounts.items():
        figures[owner_id].amounts = dict(sorted(by_currency.items()))

    for owner_id, count in session.exec(
        select(Customer.owner_id, func.count())
        .join(FollowUp, FollowUp.customer_id == Customer.id)
        .where(*owned, FollowUp.done_at.is_(None), FollowUp.deleted_at.is_(None),
               FollowUp.next_due_at.is_not(None), unindexed(FollowUp.next_due_at) < now)
        .group_by(Customer.owner_id)
    ).all():
        figures[owner_id].overdue_steps = count

    for owner_id, count, low in session.exec(
        select(Customer.owner_id, func.count(), func.sum(case((col(Satisfaction.low).is_(True), 1), else_=0)))
        .join(Satisfaction, Satisfaction.customer_id == Customer.id)
        .where(*owned, Satisfaction.created_at >= start_at, Satisfaction.created_at <= now)
        .group_by(Customer.owner_id)
    ).all():
        figures[owner_id].surveys, figures[owner_id].low_surveys = count, int(low or 0)

    return TeamReport(period, start, today, tuple(figures.values()))
