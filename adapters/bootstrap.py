"""The composition root: settings → engine (migrated) → core `Bot` → senders. Only adapters wire things."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from adapters.platforms import discover
from bot.clock import Clock, SystemClock
from bot.dispatcher import Bot
from bot.observability import current_request_id
from bot.ports import Sender
from bot.services.search_keys_refresh import refresh_search_keys
from config.settings import ConfigError, Settings, load_settings
from storage.db import create_db_engine
from storage.migrate import SchemaTooNew, check_schema, upgrade_database

T = TypeVar("T")


@dataclass
class Runtime:
    """Everything a running crmbot process shares: settings, database, core and push senders."""

    settings: Settings
    engine: Engine
    bot: Bot
    clock: Clock
    senders: dict[str, Sender] = field(default_factory=dict)

    def add_sender(self, sender: Sender) -> None:
        """Make `sender` the push channel for its platform (the scheduler delivers through it)."""
        self.senders[sender.platform] = sender

    def sdk_store(self, build: Callable[[Engine], T]) -> T:
        """A platform SDK's own store kept in the project's database (Slack's OAuth installations and states).

        Platform packages never touch the database library: they hand the SDK's constructor to the
        composition root, which gives it the engine.
        """
        return build(self.engine)


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True,
              apply_config: bool = True) -> Runtime:
    """Build the runtime; the database is created and migrated on first use, and the config's roles and
    teams applied (``apply_config=False`` for `crmbot demo`, which wants the database as it found it)."""
    discover()  # every platform adapter registers its capabilities and declares its settings section
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    engine = open_database(settings, migrate=migrate)
    clock = clock or SystemClock()
    bot = Bot(engine=engine, settings=settings, clock=clock)
    if migrate and apply_config:
        bot.sync_config()  # the config is the source of truth for roles and teams at every start
    return Runtime(settings=settings, engine=engine, bot=bot, clock=clock)


def database_setting(settings: Settings) -> str:
    """The setting that chose the database, for error messages: ``database_url`` or ``data_dir``."""
    return "database_url" if settings.database_url else "data_dir"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def open_database(settings: Settings, *, migrate: bool = True, notice: TextIO | None = None) -> Engine:
    """The engine for the configured database, connected and (with ``migrate``) migrated.

    Everything that can go wrong here is the configuration's or the environment's, so it becomes one
    `ConfigError` line naming the setting: a data folder that is a file, cannot be created or written, a
    database that does not answer or is not a database, a schema from a newer crmbot. A SQLite file
    created now is announced on ``notice`` (stderr), so nobody wonders where their data went.
    """
    url = settings.resolved_database_url
    setting = database_setting(settings)
    path = sqlite_file(url)
    is_new = path is not None and not path.exists()
    if path is not None:
        _check_folder(path, setting)
    try:
        engine = create_db_engine(url)
        if migrate:
            upgrade_database(engine)
            refresh_search_keys(engine)  # stored keys computed by an older version of the code
        else:
            check_schema(engine)
    except SchemaTooNew as exc:
        raise ConfigError(f"{setting}: {exc}") from None
    except DBAPIError as exc:
        raise ConfigError(f"{setting}: cannot use the database {_safe(url)}: {_first_line(exc.orig or exc)}") from None
    except (SQLAlchemyError, OSError) as exc:
        raise ConfigError(f"{setting}: cannot use the database {_safe(url)}: {_first_line(exc)}") from None
    if is_new and path is not None and path.exists():
        print(f"crmbot: created a new database at {path.resolve()} (`crmbot db info` shows where data lives; "
              "set CRM_DATA_DIR or database_url to use another)", file=notice or sys.stderr)
    return engine


def _check_folder(path: Path, setting: str) -> None:
    folder = path.parent
    if path.is_dir():
        raise ConfigError(f"{setting}: {path} is a folder, not a database file")
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"{setting}: {parent} is not a directory (cannot keep the database in {folder})")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot create the data folder {folder} ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        raise ConfigError(f"{setting}: the data folder {folder} is not writable")


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def reload_people(runtime: Runtime) -> bool:
    """Re-read the config and apply its roles and teams now (``kill -HUP``); False when the config is invalid.

    Only `roles` and `teams` change in a running process; everything else needs a restart.
    """
    log = logging.getLogger("crmbot.config")
    try:
        fresh = load_settings()
    except ConfigError as exc:
        log.error("config not reloaded: %s", exc)
        return False
    runtime.settings.roles, runtime.settings.teams = fresh.roles, fresh.teams
    runtime.bot.sync_config()
    log.info("config reloaded: roles and teams applied")
    return True


class _RequestIdFilter(logging.Filter):
    """Adds the current request / job id to every record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class _SecretFilter(logging.Filter):
    """Keeps tokens out of logs even when a library logs a request it made."""

    import re as _re

    _pattern = _re.compile(r"(xox[abpr]-[\w-]+|xapp-[\w-]+|(?i:access_?token|secret)[=:]\s*[^\s&,]+)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._pattern.sub("***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def log_handler() -> logging.Handler:
    """The stderr handler: time, level, logger, request id, message; secrets masked."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(_SecretFilter())
    return handler


def quiet_console_logging() -> None:
    """In the terminal chat only warnings and errors interrupt the conversation."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_crmbot", False):
            handler.setLevel(logging.WARNING)


def configure_logging(level: str = "INFO") -> None:
    """Structured-enough logs on stderr: time, level, logger, message (tracebacks included)."""
    root = logging.getLogger()
    if getattr(root, "_crmbot_configured", False):
        return
    handler = log_handler()
    handler._crmbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Migration chatter on every start and APScheduler's "job executed" every minute say nothing useful.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    root._crmbot_configured = True  # type: ignore[attr-defined]
