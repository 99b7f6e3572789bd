"""The trigram index of migrations 0004 and 0005: it exists after migrating, fuzzy search and the search for a
word inside names and tags read their candidates through it (EXPLAIN, as in test_query_plans), SQLite's triggers
keep it equal to the customer table, and an upgrade that may not build it still completes."""

from __future__ import annotations

import logging

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, text, true
from sqlmodel import Session, select

from bot.access import visible_customers
from bot.demo import generate_demo
from bot.services import fuzzy_search, trigram_lookup
from bot.services.customers import search_customers
from storage.db import create_db_engine
from storage.fuzzy_index import FTS_TABLE, fts5_phrase, trigram_index, trigrams
from storage.migrate import alembic_config, current_revision, upgrade_database
from storage.models import Customer, User
from tests.storage.test_query_plans import NOW, captured, plan_of, scans, user_named, uses


@pytest.fixture
def demo_db(engine, settings):
    generate_demo(engine, settings, customers=400, seed=11, now=NOW)
    if engine.dialect.name == "postgresql":
        _grow_the_east_team(engine, 20_000)
    return engine


def _grow_the_east_team(engine: Engine, count: int) -> None:
    """More customers in mgr_east's team, so PostgreSQL costs the index as on a real book (a manager of a 50-rep
    team sees 15,000): at 400 customers its planner rightly reads every visible row instead, a GIN probe of a
    dozen trigrams costing more than that."""
    with engine.begin() as conn:
        team_id = conn.execute(text("SELECT m.team_id FROM manager_team m JOIN app_user u ON u.id = m.manager_id "
                                    "WHERE u.name = 'mgr_east' ORDER BY m.team_id LIMIT 1")).scalar_one()
        conn.execute(text(
            "INSERT INTO customer (tenant, name, name_key, pinyin_full, pinyin_initials, kind, tags, owner_id, "
            "team_id, tier, tier_manual, stage, created_at, updated_at) SELECT 'console', 'Filler ' || g, "
            "'filler' || g, 'filler' || g, 'f', 'company', '', (SELECT min(id) FROM app_user WHERE team_id = :team), "
            ":team, 'normal', false, 'lead', now(), now() FROM generate_series(1, :count) AS g"),
            {"team": team_id, "count": count})
        conn.exec_driver_sql("ANALYZE customer")


def test_the_migrated_database_has_the_index(engine):
    with engine.connect() as conn:
        assert trigram_index(conn) == {"sqlite": "fts5", "postgresql": "pg_trgm"}[engine.dialect.name]


@pytest.mark.parametrize("who", ["mgr_east", "admin"])
def test_fuzzy_candidates_are_read_through_the_index(demo_db, who, monkeypatch):
    monkeypatch.setattr(fuzzy_search, "SMALL_BOOK", 0)  # at 400 customers SQLite would read every book whole
    engine = demo_db
    name = _a_latin_name(engine)
    typo = name[:3] + "x" + name[4:]  # the benchmark's typo: fourth character replaced
    user = user_named(engine, who)
    with captured(engine, "SELECT") as statements, Session(engine) as session:
        search_customers(session, user=user, query=typo)
    # SQLite: one statement reads the visible candidates through FTS5. PostgreSQL: the candidates' ids first
    # (through pg_trgm), then the visible ones among them by primary key.
    fuzzy = [(sql, params) for sql, params in statements if ("MATCH" in sql or "<%" in sql) and "LIKE" not in sql]
    assert len(fuzzy) == 1, "the fuzzy pass did not run"
    plan = plan_of(engine, *fuzzy[0])

    if engine.dialect.name == "sqlite":
        assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX" in plan and "USING INTEGER PRIMARY KEY" in plan, plan
    else:
        assert uses(plan, "ix_customer_name_key_trgm", engine), plan
        visible_among_them = statements[statements.index(fuzzy[0]) + 1]
        assert uses(plan_of(engine, *visible_among_them), "customer_pkey", engine)
    assert not scans(plan, "customer", engine), plan


@pytest.mark.parametrize("who", ["mgr_east", "admin"])
def test_a_word_inside_names_and_tags_is_looked_up_through_the_index(demo_db, who, monkeypatch):
    monkeypatch.setattr(trigram_lookup, "LOOKUP_COST", 0)  # at 400 customers SQLite would scan every book
    engine = demo_db
    user = user_named(engine, who)
    word = _a_latin_name(engine, seen_by=user)[2:8]  # inside the name: no prefix look-up can find it
    with captured(engine, "SELECT") as statements, Session(engine) as session:
        found = search_customers(session, user=user, query=word)
    assert any(word.lower() in c.name.lower() for c in found)
    inside = [(sql, params) for sql, params in statements if "customer.tags LIKE" in sql or "customer.tags ILIKE" in sql]
    if engine.dialect.name == "sqlite":
        assert len(inside) == 1, "the pass over names and tags did not run"
        plan = plan_of(engine, *inside[0])
        assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX" in plan and "USING INTEGER PRIMARY KEY" in plan, plan
        assert not scans(plan, "customer", engine), plan
    else:  # the ids through pg_trgm, then the visible ones among them by primary key
        assert len(inside) == 2, "the pass over names and tags did not run"
        ids, visible_among_them = (plan_of(engine, *statement) for statement in inside)
        assert uses(ids, "ix_customer_name_trgm", engine) and uses(ids, "ix_customer_tags_trgm", engine), ids
        assert uses(visible_among_them, "customer_pkey", engine), visible_among_them
        assert not scans(ids, "customer", engine) and not scans(visible_among_them, "customer", engine)


def test_a_small_book_is_read_whole_and_finds_the_same(demo_db, monkeypatch):
    engine = demo_db
    if engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL variant grows the book past the small-book size (same code path)")
    name = _a_latin_name(engine)
    typo = name[:3] + "x" + name[4:]
    user = user_named(engine, "admin")  # 400 customers: under the 500 read whole

    def search() -> tuple[list[int], list[str]]:
        with captured(engine, "SELECT") as statements, Session(engine) as session:
            found = [c.id for c in search_customers(session, user=user, query=typo)]
        return found, [sql for sql, _ in statements
                       if "MATCH" in sql and sql.startswith("SELECT customer.id, customer.name_key")]

    whole, matches = search()
    assert whole and matches == []
    monkeypatch.setattr(fuzzy_search, "SMALL_BOOK", 0)
    through_index, matches = search()
    assert through_index == whole and len(matches) == 1


def test_sqlite_triggers_keep_the_index_equal_to_the_customers(demo_db):
    engine = demo_db
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL indexes are maintained by the server")
    _integrity_check(engine)  # the demo's bulk executemany went through the insert trigger
    with Session(engine) as session:
        renamed = session.exec(select(Customer).order_by(Customer.id)).first()
        renamed.name, renamed.name_key, renamed.pinyin_full = "Zenith Logistics", "zenithlogistics", "zenithlogistics"
        gone = Customer(tenant=renamed.tenant, name="Qwerty Gone", name_key="qwertygone", pinyin_full="qwertygone",
                        owner_id=renamed.owner_id)
        session.add_all([renamed, gone])
        session.commit()
        session.delete(gone)  # a hard delete: FTS5 must forget its trigrams too
        session.commit()
        renamed_id = renamed.id
    _integrity_check(engine)
    with engine.connect() as conn:
        assert _rowids_matching(conn, "zenith logistics") == [renamed_id]
        assert _rowids_matching(conn, "qwerty gone") == []


def test_upgrading_indexes_the_customers_already_there(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade_database(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app_user (tenant, name, display_name, role, created_at) "
                          "VALUES ('console', 'alice', 'Alice', 'rep', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO customer (tenant, name, name_key, pinyin_full, pinyin_initials, kind, tags, "
                          "owner_id, tier, tier_manual, stage, created_at, updated_at) VALUES ('console', "
                          "'Acme Trading', 'acmetrading', 'acmetrading', 'at', 'company', '', 1, 'normal', 0, "
                          "'lead', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    upgrade_database(engine)
    with engine.connect() as conn:
        assert current_revision(engine) == _head(engine) and trigram_index(conn) == "fts5"
        assert _rowids_matching(conn, "acme trading") == [1]
    command.downgrade(_config(engine), "0003")
    with engine.connect() as conn:
        assert trigram_index(conn) is None
        leftovers = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'customer_trigram%'")).all()
    assert leftovers == []
    engine.dispose()


def test_an_upgrade_by_a_role_that_may_not_create_pg_trgm_completes_without_the_index(engine, caplog):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL extension rights")
    with engine.connect() as conn, conn.begin() as transaction:
        # Everything below is rolled back: the shared test database keeps its extension, index and role list.
        conn.exec_driver_sql("DROP EXTENSION pg_trgm CASCADE")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
        conn.exec_driver_sql("CREATE ROLE crmbot_test_no_extensions")
        conn.exec_driver_sql("GRANT ALL ON alembic_version TO crmbot_test_no_extensions")
        conn.exec_driver_sql("SET ROLE crmbot_test_no_extensions")  # no CREATE on the database: no extension
        config = _config(engine)
        config.attributes["connection"] = conn
        with caplog.at_level(logging.WARNING):
            command.upgrade(config, "0005")  # the two migrations of the trigram index
        conn.exec_driver_sql("RESET ROLE")
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0005"
        assert trigram_index(conn) is None
        transaction.rollback()
    assert "pg_trgm extension cannot be created" in caplog.text


def _a_latin_name(engine: Engine, *, seen_by: User | None = None) -> str:
    with Session(engine) as session:
        seen = visible_customers(session, seen_by) if seen_by else true()
        return session.exec(select(Customer.name).where(
            seen, Customer.name_key == Customer.pinyin_full, func.length(Customer.name_key) > 8,
        ).order_by(Customer.id).limit(1)).one()


def _integrity_check(engine: Engine) -> None:
    """FTS5 compares its index with the content table and raises on any difference."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")


def _rowids_matching(conn, text_: str) -> list[int]:
    """Customers whose indexed text holds every trigram of `text_`."""
    every = " AND ".join(fts5_phrase(term) for term in trigrams(text_))
    return [row[0] for row in conn.exec_driver_sql(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY rowid", (every,))]


def _head(engine: Engine) -> str:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def _config(engine: Engine):
    return alembic_config(engine.url.render_as_string(hide_password=False))
