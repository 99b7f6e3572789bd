"""The report chart of one person: their pipeline's funnel and forecast (a manager's or admin's: their teams'),
and the follow-ups each rep they see logged over the period (activity counts for its author)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.access import is_manager_or_admin
from bot.pipeline.funnel import Money, funnel
from bot.pipeline.stages import stage_registry
from bot.render import t
from bot.reports.charts import ChartData, chart_language, report_chart
from bot.services.reports import team_report
from config.settings import Settings
from storage.models import User


def _main_currency(totals: Money) -> str:
    """The currency most of the money is in (charts plot one currency; crmbot keeps no exchange rates)."""
    return max(totals.items(), key=lambda item: item[1])[0] if totals else "CNY"


def report_chart_png(session: Session, user: User, settings: Settings, *, period: str, now: datetime, tz: ZoneInfo,
                     lang: str) -> bytes:
    """The PNG of `user`'s report over `period` (``week`` / ``month``), labelled in `lang` where fonts allow."""
    shown = chart_language(lang)
    stages = stage_registry(settings)
    today = now.astimezone(tz).date()
    figures = funnel(session, user, stages, owner=None if is_manager_or_admin(user) else user, period=None,
                     today=today, tz=tz)
    currency = _main_currency(figures.open_amount)
    activity: list[tuple[str, int]]
    if is_manager_or_admin(user):
        activity = [(rep.name, rep.followups) for rep in team_report(session, user, period=period, now=now, tz=tz).reps]
    else:
        activity = [(user.display_name or user.name, _own_followups(session, user, period=period, now=now, tz=tz))]

    def say(key: str, **params: object) -> str:
        return str(t(f"reports:{key}", shown, **params))

    data = ChartData(
        title=say("chart_title", period=period, day=today.isoformat()),
        funnel_title=say("funnel_title", currency=currency),
        funnel=[(row.stage.name(shown), row.count, row.amount.get(currency, Decimal(0))) for row in figures.stages],
        forecast_title=say("forecast_title", currency=currency),
        forecast=[(month or say("no_date"), total.get(currency, Decimal(0)), weight.get(currency, Decimal(0)))
                  for month, total, weight in figures.forecast],
        activity_title=say("activity_title", period=period),
        activity=activity,
        legend_amount=say("legend_amount"),
        legend_weighted=say("legend_weighted"),
    )
    return report_chart(data, lang=shown)


def _own_followups(session: Session, user: User, *, period: str, now: datetime, tz: ZoneInfo) -> int:
    from datetime import UTC, time, timedelta

    from sqlalchemy import func
    from sqlmodel import col, select

    from bot.services.reports import PERIOD_DAYS
    from storage.models import FollowUp

    start = now.astimezone(tz).date() - timedelta(days=PERIOD_DAYS[period] - 1)
    since = datetime.combine(start, time(), tzinfo=tz).astimezone(UTC)
    return int(session.exec(select(func.count()).select_from(FollowUp).where(
        FollowUp.author_id == user.id, col(FollowUp.deleted_at).is_(None), FollowUp.happened_at >= since,
        FollowUp.happened_at <= now)).one())
