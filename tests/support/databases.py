"""Fresh databases per test: a migrated SQLite template copied per test; PostgreSQL truncated per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import create_db_engine
from storage.migrate import upgrade_database

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL")


def make_sqlite_template(folder: Path) -> Path:
    """Migrate an empty SQLite file once; tests copy it (much faster than migrating per test)."""
    path = folder / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def fresh_sqlite(template: Path, folder: Path) -> str:
    """A URL to a private copy of the migrated template."""
    target = folder / "crm.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def postgres_engine() -> Engine:
    """The shared test PostgreSQL, migrated to head."""
    assert POSTGRES_URL
    engine = create_db_engine(POSTGRES_URL)
    upgrade_database(engine)
    return engine


def truncate_all(engine: Engine) -> None:
    """Empty every table (identities restart) so each test starts from nothing."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
