"""`crmbot db info|upgrade|current`: where the data lives, and database migrations (also applied on start)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="where the data lives; database migrations")
    actions = parser.add_subparsers(dest="db_action", metavar="<action>", required=True)
    info = actions.add_parser("info", help="show the data folder, the database and its schema revision")
    info.set_defaults(handler=handle_info)
    upgrade = actions.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=handle_upgrade)
    current = actions.add_parser("current", help="show the schema revision")
    current.set_defaults(handler=handle_current)


def handle_info(args: argparse.Namespace) -> int:
    """Print where crmbot keeps its data, without creating anything."""
    from adapters.bootstrap import open_database, sqlite_file
    from config.settings import config_file_path, load_settings
    from storage.migrate import current_revision, head_revision

    settings = load_settings()
    url = settings.resolved_database_url
    config = config_file_path()
    if settings.data_dir is None:
        origin = "the per-user default; set CRM_DATA_DIR to use another folder"
    else:
        origin = "set by CRM_DATA_DIR / data_dir"
    print(f"data folder: {settings.resolved_data_dir.resolve()} ({origin})")
    path = sqlite_file(url)
    if settings.database_url:
        print(f"database:    {_safe(url)} (set by CRM_DATABASE_URL / database_url)")
    else:
        print(f"database:    {path.resolve() if path else url} (SQLite in the data folder)")
    print(f"config file: {config.resolve() if config else 'none (./crmbot.toml or CRM_CONFIG)'}")
    if path is not None and not path.exists():
        print(f"schema:      not created yet (the first `crmbot chat` or `crmbot run` creates it; newest "
              f"{head_revision()})")
        return 0
    engine = open_database(settings, migrate=False)
    try:
        print(f"schema:      {current_revision(engine) or 'not migrated'} (newest this crmbot knows: "
              f"{head_revision()})")
    finally:
        engine.dispose()
    return 0


def handle_upgrade(args: argparse.Namespace) -> int:
    from adapters.bootstrap import open_database
    from config.settings import load_settings
    from storage.migrate import current_revision, upgrade_database

    settings = load_settings()
    engine = open_database(settings, migrate=False)
    upgrade_database(engine, args.revision)
    if args.revision == "head":
        from bot.services.search_keys_refresh import refresh_search_keys

        refresh_search_keys(engine)
    print(f"database at revision {current_revision(engine)} ({_safe(settings.resolved_database_url)})")
    return 0


def handle_current(args: argparse.Namespace) -> int:
    from adapters.bootstrap import open_database
    from config.settings import load_settings
    from storage.migrate import current_revision

    engine = open_database(load_settings(), migrate=False)
    print(current_revision(engine) or "(not migrated)")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
