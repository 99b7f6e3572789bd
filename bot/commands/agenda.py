"""`today` (今天, 我的一天): the asker's agenda, rendered from `bot.services.agenda` in their zone; a manager's
also covers their teams (`bot.services.team_agenda`) after their own items."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.calendar.birthdays import Birthday, format_birthday
from bot.commands.spec import CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.messages import Reply
from bot.services.agenda import agenda_for
from bot.services.money import format_money
from bot.services.people import when_at
from bot.services.team_agenda import team_agenda_for
from bot.text.when import When, format_when


class AgendaFormatter:
    """Dates and times of agenda items as the asker reads them: ``15:00`` today, full dates otherwise."""

    def __init__(self, ctx: CommandContext) -> None:
        self.ctx = ctx

    def due(self, at: datetime, has_time: bool) -> str:
        """When an item is due: the time for today's items, the date (and time) for older ones."""
        ctx = self.ctx
        local = at.astimezone(ctx.tz)
        if local.date() == ctx.today:
            return local.strftime("%H:%M") if has_time else str(ctx.t("agenda:today_word"))
        return format_when(when_at(at, ctx.tz, has_time=has_time), ctx.lang, today=ctx.today)

    def day(self, on: date, days_away: int) -> str:
        """A birthday's day: today, tomorrow, or the weekday and date."""
        if days_away == 0:
            return str(self.ctx.t("agenda:today_word"))
        if days_away == 1:
            return str(self.ctx.t("agenda:tomorrow_word"))
        return format_when(When(on, None, self.ctx.tz), self.ctx.lang, today=self.ctx.today)

    def birthday(self, birthday: Birthday) -> str:
        return format_birthday(birthday, self.ctx.lang)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_money(amount, currency)


def _today(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    agenda = agenda_for(ctx.session, ctx.user, now=ctx.now, tz=ctx.tz)
    team = team_agenda_for(ctx.session, ctx.user, now=ctx.now, today=agenda.day)
    heading = format_when(When(agenda.day, None, ctx.tz), ctx.lang)
    return Reply(text=ctx.t("agenda:today", agenda=agenda, team=team, heading=heading, zone=ctx.tz.key,
                            fmt=AgendaFormatter(ctx)))


SPECS = (
    CommandSpec(
        name="today",
        aliases=("今天", "我的一天", "今日", "待办", "agenda", "myday"),
        summary={"en": "my day: due and overdue next steps, reminders, birthdays, at-risk customers, overdue payments",
                 "zh": "我的一天：到期和逾期的下一步、提醒、生日、流失风险客户、逾期回款"},
        handler=_today,
        examples=("today", "今天"),
        writes=False,
    ),
)
