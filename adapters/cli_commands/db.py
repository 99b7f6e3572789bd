"""`crmbot db upgrade|current`: database migrations (also applied automatically on start)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_action", metavar="<action>", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=handle_upgrade)
    current = actions.add_parser("current", help="show the schema revision")
    current.set_defaults(handler=handle_current)


def handle_upgrade(args: argparse.Namespace) -> int:
    from config.settings import load_settings
    from storage.db import create_db_engine
    from storage.migrate import current_revision, upgrade_database

    settings = load_settings()
    engine = create_db_engine(settings.resolved_database_url)
    upgrade_database(engine, args.revision)
    print(f"database at revision {current_revision(engine)} ({engine.url.render_as_string(hide_password=True)})")
    return 0


def handle_current(args: argparse.Namespace) -> int:
    from config.settings import load_settings
    from storage.db import create_db_engine
    from storage.migrate import current_revision

    engine = create_db_engine(load_settings().resolved_database_url)
    print(current_revision(engine) or "(not migrated)")
    return 0
