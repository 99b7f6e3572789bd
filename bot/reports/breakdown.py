"""The book half of `report`: the pipeline of the viewer's teams (open, weighted, won and lost this month) and the
customers by tier and by region, all counted for the customers' current owners (three grouped statements)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from bot.access import visible_customers
from bot.context import CommandContext
from bot.pipeline.funnel import Money, funnel
from bot.pipeline.stages import stage_registry
from bot.render import Markdown
from bot.services.money import format_money
from storage.models import Customer

TOP_REGIONS = 5


def _money(money: Money) -> str:
    return "; ".join(format_money(amount, currency) for currency, amount in sorted(money.items())) or "—"


def book_breakdown(ctx: CommandContext) -> Markdown:
    """The pipeline, tier and region lines of the viewer's report."""
    figures = funnel(ctx.session, ctx.user, stage_registry(ctx.settings), owner=None, period="month",
                     today=ctx.today, tz=ctx.tz)
    visible = visible_customers(ctx.session, ctx.user)
    tiers = dict(ctx.session.exec(select(Customer.tier, func.count()).where(visible).group_by(Customer.tier)).all())
    regions = ctx.session.exec(
        select(Customer.region, func.count()).where(visible, col(Customer.region).is_not(None))
        .group_by(Customer.region).order_by(func.count().desc(), col(Customer.region)).limit(TOP_REGIONS)
    ).all()
    won_count, won_money = figures.won
    return ctx.t("reports:breakdown", open=figures.open_count, amount=_money(figures.open_amount),
                 weighted=_money(figures.weighted), won=won_count, won_amount=_money(won_money), lost=figures.lost,
                 tiers=[(tier, tiers.get(tier, 0)) for tier in ("vip", "key", "normal")], regions=list(regions))
