"""Shared fixtures: a fresh real database per test (SQLite, and PostgreSQL when configured), an injected
clock, the core bot, and a guard that fails any test reaching beyond 127.0.0.1."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

import pytest

from adapters.platforms import discover
from tests.support import network_guard
from tests.support.databases import (
    POSTGRES_URL,
    fresh_sqlite,
    make_sqlite_template,
    postgres_engine,
    truncate_all,
)

network_guard.install()
discover()  # every platform adapter registers its capabilities, as `bootstrap` does in production

pytest_plugins = ["tests.emulators.slack_fixtures", "tests.emulators.dingtalk_fixtures"]

# Keep the developer's environment out of the tests (proxies break loopback; CRM_* would change config).
for _name in list(os.environ):
    if _name.startswith(("CRM_", "SLACK_", "DINGTALK_")) or _name.lower().endswith("_proxy"):
        os.environ.pop(_name)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# The per-user data folder (platformdirs reads XDG_DATA_HOME) points into a temporary folder, so no test, and
# no subprocess a test starts, ever touches the developer's own crmbot data; each test gets its own below.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="crmbot-tests-data-")

# A Wednesday morning in Shanghai: 2026-11-18 10:00 +08:00.
DEFAULT_NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_network_escapes():
    before = len(network_guard.violations)
    yield
    escaped = network_guard.violations[before:]
    assert not escaped, f"test tried to reach the network: {escaped}"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Each test runs in its own folder with its own per-user data folder, so ./crmbot.toml and the default
    database never leak between tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _postgres_engine():
    if not POSTGRES_URL:
        return None
    engine = postgres_engine()
    yield engine
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason="CRM_TEST_POSTGRES_URL not set")),
    ]
)
def database_url(request, sqlite_template, tmp_path):
    """A URL to an empty, migrated database of each backend under test."""
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    engine = request.getfixturevalue("_postgres_engine")
    truncate_all(engine)
    return POSTGRES_URL


@pytest.fixture
def engine(database_url):
    from storage.db import create_db_engine

    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    from bot.clock import FixedClock

    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def config_overrides():
    """Tests put Settings keyword overrides here (roles, teams, defaults) before `settings` is built."""
    return {}


@pytest.fixture
def settings(database_url, tmp_path, config_overrides):
    from config.settings import load_settings

    return load_settings(database_url=database_url, data_dir=tmp_path / "data", **config_overrides)


@pytest.fixture
def bot(engine, settings, clock):
    from bot.dispatcher import Bot

    return Bot(engine=engine, settings=settings, clock=clock)


@pytest.fixture
def chat(bot):
    from tests.support.chat import Chat

    return Chat(bot)



def pytest_terminal_summary(terminalreporter):
    """Say plainly when the PostgreSQL half of the suite did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    postgres = [r for r in skipped if "CRM_TEST_POSTGRES_URL" in str(r.longrepr)]
    if postgres:
        terminalreporter.write_line(
            f"{len(postgres)} PostgreSQL variants skipped: set CRM_TEST_POSTGRES_URL to run them", yellow=True
        )
