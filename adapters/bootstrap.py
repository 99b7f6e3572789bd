"""The composition root: settings → engine (migrated) → core `Bot` → senders. Only adapters wire things."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from adapters.platforms import discover
from bot.clock import Clock, SystemClock
from bot.dispatcher import Bot
from bot.observability import current_request_id
from bot.ports import Sender
from config.settings import Settings, load_settings
from storage.db import create_db_engine
from storage.migrate import upgrade_database


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


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    """Build the runtime; the database is created and migrated on first use."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    discover()  # registers every platform adapter's capabilities with the core
    engine = create_db_engine(settings.resolved_database_url)
    if migrate:
        upgrade_database(engine)
    clock = clock or SystemClock()
    bot = Bot(engine=engine, settings=settings, clock=clock)
    return Runtime(settings=settings, engine=engine, bot=bot, clock=clock)


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
