"""`crmbot export FILE --as USER`: the customers USER may see, to .csv or .xlsx (admins and managers)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export customers to a .csv or .xlsx file (admins and managers)",
        description="Export the customers USER may see, with their contacts and last follow-up. The file "
        "uses the importer's headers, so it can be edited and imported again. Recorded in the audit log.",
    )
    parser.add_argument("file", type=Path, help="the .csv or .xlsx file to write")
    parser.add_argument("--as", dest="user", default=None,
                        help="export as this user (name or platform:id; default: login name)")
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help="header and value language")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from adapters.bootstrap import bootstrap
    from adapters.cli_commands.chat import default_user
    from bot.exporting import ExportNotAllowed, UnsupportedFormat, export_customers
    from bot.importing import UnknownActingUser, acting_user
    from storage.uow import unit_of_work

    runtime = bootstrap()
    try:
        with unit_of_work(runtime.engine) as session:
            user = acting_user(session, runtime.settings, args.user or default_user())
        report = export_customers(runtime.engine, runtime.settings, user=user, path=args.file,
                                  lang=args.lang or runtime.settings.defaults.language, clock=runtime.clock)
    except (ExportNotAllowed, UnsupportedFormat, UnknownActingUser) as exc:
        print(f"crmbot export: {exc}", file=sys.stderr)
        return 1
    print(f"Exported {report.customers:,} customers ({report.contacts:,} contacts, {report.contracts:,} contracts) "
          f"to {report.path}")
    return 0
