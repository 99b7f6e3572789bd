"""`crmbot report --as USER [--period week|month] --chart FILE.png`: USER's report chart (funnel, forecast by
month, activity by rep) written as a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a report chart (funnel, forecast by month, activity by rep) to a PNG file",
        description="Draw USER's report: the funnel and forecast of the deals USER may see (a manager's teams, an "
        "admin's tenant, a rep's own) and the follow-ups logged per rep over the period, as one PNG.",
    )
    parser.add_argument("--as", dest="user", default=None, help="as this user (name or platform:id; default: login)")
    parser.add_argument("--period", choices=("week", "month"), default="week", help="activity period (default week)")
    parser.add_argument("--chart", type=Path, required=True, help="the .png file to write")
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help="label language")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from adapters.bootstrap import bootstrap
    from adapters.cli_commands.chat import default_user
    from bot.importing import UnknownActingUser, acting_user
    from bot.render import t
    from bot.reports.report_chart import report_chart_png
    from storage.uow import unit_of_work

    if args.chart.suffix.lower() != ".png":
        print(f"crmbot report: {args.chart} is not a .png file", file=sys.stderr)
        return 2
    runtime = bootstrap()
    lang = args.lang or runtime.settings.defaults.language
    try:
        with unit_of_work(runtime.engine, write=False) as session:
            user = acting_user(session, runtime.settings, args.user or default_user())
            tz = ZoneInfo(user.timezone or runtime.settings.defaults.timezone)
            png = report_chart_png(session, user, runtime.settings, period=args.period, now=runtime.clock.now(),
                                   tz=tz, lang=lang)
    except UnknownActingUser as exc:
        print(f"crmbot report: {exc}", file=sys.stderr)
        return 1
    args.chart.parent.mkdir(parents=True, exist_ok=True)
    args.chart.write_bytes(png)
    print(t("reports:written", lang, path=str(args.chart), size=len(png)))
    return 0
