"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.fuzzy_index import include_name
from storage.migrate import current_revision, upgrade_database


def test_database_is_at_head_and_matches_the_models(engine):
    upgrade_database(engine)  # idempotent on an already migrated database
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        # The trigram index (FTS5 tables, pg_trgm indexes) is raw SQL that no model declares.
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                SQLModel.metadata)
    assert diff == [], "models changed without a migration"


def test_every_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_sqlite_runs_in_wal_mode(tmp_path):
    from storage.db import create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path}/fresh/crm.db")
    upgrade_database(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "fresh" / "crm.db").exists()
