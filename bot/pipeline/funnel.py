"""The pipeline view's figures: per stage the open deals' count, amount and weighted amount, the weighted
forecast by expected close month, and the deals won and lost in the period — two grouped statements.

Scope: ``mine`` (deals the viewer owns), ``team`` (every deal on a customer the viewer may see: a manager's
teams, an admin's tenant) or one rep's deals (their managers and admins). Every scope reads only deals of
customers the viewer may see, so a rep who lost a customer (reassigned, released to the pool) no longer
counts its deals. The horizon ``month`` / ``quarter`` keeps the open deals expected to close by its end
(overdue ones and deals without a date included: they still need a decision) and counts the deals closed in it. One grouped statement reads it all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Numeric, and_, func, or_
from sqlmodel import Session, col, select

from bot.access import visible_customers
from bot.pipeline.stages import LOST, WON, Stage, StageRegistry
from storage.models import Customer, Opportunity, User

Money = dict[str, Decimal]  # currency -> amount


def _add(money: Money, currency: str, amount: Decimal) -> None:
    money[currency] = money.get(currency, Decimal(0)) + amount


@dataclass
class StageFigures:
    """One stage's open deals."""

    stage: Stage
    count: int = 0
    amount: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)


@dataclass(frozen=True)
class Funnel:
    """What `pipeline` shows."""

    stages: tuple[StageFigures, ...]
    forecast: tuple[tuple[str, Money, Money], ...]  # (YYYY-MM or "", open amount, weighted), by month
    won: tuple[int, Money]
    lost: int
    horizon_start: date
    horizon_end: date | None

    @property
    def open_count(self) -> int:
        return sum(s.count for s in self.stages)

    @property
    def open_amount(self) -> Money:
        total: Money = {}
        for figures in self.stages:
            for currency, amount in figures.amount.items():
                _add(total, currency, amount)
        return total

    @property
    def weighted(self) -> Money:
        total: Money = {}
        for figures in self.stages:
            for currency, amount in figures.weighted.items():
                _add(total, currency, amount)
        return total


def horizon(period: str | None, today: date) -> tuple[date, date | None]:
    """The period's first day and last day (None: no end) for ``month`` / ``quarter`` / nothing (this month's
    closed deals, every open one)."""
    start = today.replace(day=1)
    if period == "quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    months = {"month": 1, "quarter": 3}.get(period or "", 0)
    if not months:
        return start, None
    year, month = divmod(start.month - 1 + months, 12)
    following = date(start.year + year, month + 1, 1)
    return start, following - timedelta(days=1)


def funnel(session: Session, viewer: User, stages: StageRegistry, *, owner: User | None, period: str | None,
           today: date, tz: ZoneInfo) -> Funnel:
    """The figures of the deals in scope (`owner` None: every deal the viewer may see)."""
    start, end = horizon(period, today)
    scope = [Opportunity.tenant == viewer.tenant, col(Opportunity.deleted_at).is_(None),
             visible_customers(session, viewer)]
    if owner is not None:
        scope.append(Opportunity.owner_id == owner.id)
    amount = func.coalesce(func.sum(Opportunity.amount), 0, type_=Numeric(16, 2))
    is_open = [Opportunity.status == "open"]
    if end is not None:
        is_open.append(or_(col(Opportunity.expected_close).is_(None), col(Opportunity.expected_close) <= end))
    since = datetime.combine(start, time(), tzinfo=tz).astimezone(UTC)
    is_closed = [col(Opportunity.status).in_((WON, LOST)), col(Opportunity.closed_at) >= since]
    if end is not None:
        until = datetime.combine(end + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
        is_closed.append(col(Opportunity.closed_at) < until)
    # One grouped read (a round trip less on PostgreSQL): the open deals by stage, currency and close date, and
    # the deals closed in the period by their closing stage.
    rows = session.exec(
        select(Opportunity.stage, Opportunity.currency, Opportunity.expected_close, func.count(), amount)
        .join(Customer, Customer.id == Opportunity.customer_id)
        .where(*scope, or_(and_(*is_open), and_(*is_closed)))
        .group_by(Opportunity.stage, Opportunity.currency, Opportunity.expected_close)
    ).all()
    by_stage = {s.key: StageFigures(s) for s in stages.open}
    months: dict[str, tuple[Money, Money]] = defaultdict(lambda: ({}, {}))
    won_count, lost_count = 0, 0
    won_money: Money = {}
    for stage_key, currency, close, count, total in rows:
        total = Decimal(str(total))
        if stage_key == WON:
            won_count += int(count)
            if total:
                _add(won_money, currency, total)
            continue
        if stage_key == LOST:
            lost_count += int(count)
            continue
        stage = stages.get(stage_key)
        figures = by_stage.setdefault(stage_key, StageFigures(stage))
        weighted = (total * stage.weight).quantize(Decimal("0.01"))
        figures.count += int(count)
        if total:
            _add(figures.amount, currency, total)
            _add(figures.weighted, currency, weighted)
            month = close.strftime("%Y-%m") if close is not None else ""
            _add(months[month][0], currency, total)
            _add(months[month][1], currency, weighted)
    ordered = sorted(by_stage.values(), key=lambda f: f.stage.position)
    forecast = tuple((month, *months[month]) for month in sorted(months, key=lambda m: (m == "", m)))
    return Funnel(stages=tuple(ordered), forecast=forecast, won=(won_count, won_money), lost=lost_count,
                  horizon_start=start, horizon_end=end)


def deals_in(session: Session, viewer: User, *, owner: User | None, stage: Stage | None,
             limit: int = 20) -> tuple[list[tuple[Opportunity, Customer]], int]:
    """Open deals in scope (optionally one stage), soonest expected close first; and how many there are."""
    where = [Opportunity.tenant == viewer.tenant, col(Opportunity.deleted_at).is_(None), Opportunity.status == "open",
             visible_customers(session, viewer)]
    if owner is not None:
        where.append(Opportunity.owner_id == owner.id)
    if stage is not None:
        where.append(Opportunity.stage == stage.key)
    joined = select(Opportunity, Customer).join(Customer, Customer.id == Opportunity.customer_id).where(*where)
    found = list(session.exec(
        joined.order_by(col(Opportunity.expected_close).is_(None), col(Opportunity.expected_close),
                        col(Opportunity.id)).limit(limit)
    ).all())
    total = len(found)
    if total == limit:
        total = session.exec(
            select(func.count()).select_from(Opportunity).join(Customer, Customer.id == Opportunity.customer_id)
            .where(*where)
        ).one()
    return found, int(total)
