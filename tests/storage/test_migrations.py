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


def test_the_identity_migration_keeps_every_customer_and_marks_config_roles(tmp_path):
    from storage.db import create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade_database(engine, "0006")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO team (id, tenant, name, shares_customers, created_at) "
                          "VALUES (1, 'console', 'East', 0, '2026-01-01')"))
        for uid, name, role, team in ((1, "root", "admin", None), (2, "alice", "rep", 1), (3, "eve", "rep", None)):
            conn.execute(text("INSERT INTO app_user (id, tenant, name, display_name, role, team_id, created_at) "
                              "VALUES (:id, 'console', :name, :name, :role, :team, '2026-01-01')"),
                         {"id": uid, "name": name, "role": role, "team": team})
            conn.execute(text("INSERT INTO customer (tenant, name, name_key, pinyin_full, pinyin_initials, kind, "
                              "tags, owner_id, tier, tier_manual, stage, created_at, updated_at) VALUES ('console', "
                              ":name, :name, :name, 'x', 'company', '', :id, 'normal', 0, 'lead', '2026-01-01', "
                              "'2026-01-01')"), {"name": f"{name} Ltd", "id": uid})
    upgrade_database(engine)
    with engine.connect() as conn:
        marked: dict[str, object] = {row[0]: row[1] for row in conn.execute(
            text("SELECT name, roles_from_config FROM app_user")).all()}
        owners = conn.execute(text("SELECT owner_id FROM customer ORDER BY owner_id")).scalars().all()
    assert {name: bool(flag) for name, flag in marked.items()} == {"root": True, "alice": True, "eve": False}
    assert owners == [1, 2, 3]
    engine.dispose()


def test_an_index_added_to_an_analysed_sqlite_database_gets_statistics_too(tmp_path):
    """Beside measured statistics, an index without any would be costed by guesses (and chosen wrongly)."""
    from storage.db import create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path}/analysed.db")
    upgrade_database(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app_user (tenant, name, display_name, role, created_at) "
                          "VALUES ('t', 'a', 'A', 'rep', '2026-01-01 00:00:00')"))
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("CREATE INDEX ix_app_user_later ON app_user (tenant, role)")  # as a later migration would
    upgrade_database(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'ix_app_user_later'").scalar() == 1
