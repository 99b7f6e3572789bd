"""The trigram index behind customer search (fuzzy names, and words inside names and tags): its object names,
whether a database has it, and the filter that keeps it out of Alembic's model-versus-schema comparison.

Migrations 0004 and 0005 create it in raw SQL, because neither form can be declared on the model:

- SQLite: ``customer_trigram``, an FTS5 table with the ``trigram`` tokenizer over ``customer.name``,
  ``pinyin_full`` and ``tags`` (external content: rowid = customer.id, no copy of the text), kept current by
  three triggers on ``customer``, plus ``customer_trigram_terms`` (fts5vocab) that says how many customers
  hold each trigram, so a search can pick the selective ones.
- PostgreSQL: ``pg_trgm`` GIN indexes on ``name_key``, ``pinyin_full``, ``name`` and ``tags``.

A database can lack it: an SQLite library built without FTS5 or older than 3.34 (no trigram tokenizer), a
PostgreSQL role that may not create the ``pg_trgm`` extension, or a server whose ``LC_CTYPE`` gives Chinese
characters no trigrams. The migrations then skip it with a warning and search scans the visible customers,
as it did before the index existed (same answers, slower). On PostgreSQL, once a superuser has run
``CREATE EXTENSION pg_trgm``, the statements of :data:`POSTGRES_INDEX_DDL` add it.

A later SQLite migration that rebuilds ``customer`` (Alembic batch mode copies the table) drops its
triggers; :func:`trigram_index` then reports no index (rather than a stale one) until they are recreated.

Beside it, for queries of two characters (which have no trigram), ``customer_bigram`` (migration 0013) holds
every name's two-character pieces, one row per (tenant, piece, customer), on both databases; SQLite's
triggers split names with the helper table ``gram_position``. :func:`bigram_index` says whether it is there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("crmbot.storage")

FTS_TABLE = "customer_trigram"
FTS_TERMS = "customer_trigram_terms"
FTS_TRIGGERS = ("customer_trigram_insert", "customer_trigram_update", "customer_trigram_delete")
FTS_COLUMNS = ("name", "pinyin_full", "tags")
POSTGRES_COLUMNS = ("name_key", "pinyin_full", "name", "tags")
POSTGRES_INDEXES = tuple(f"ix_customer_{column}_trgm" for column in POSTGRES_COLUMNS)
POSTGRES_INDEX_DDL = tuple(f"CREATE INDEX {index} ON customer USING gin ({column} gin_trgm_ops)"
                           for index, column in zip(POSTGRES_INDEXES, POSTGRES_COLUMNS, strict=True))

BIGRAM_TABLE = "customer_bigram"
BIGRAM_HELPERS = ("gram_position",)  # SQLite: the numbers its triggers split names with
BIGRAM_TRIGGERS = {"sqlite": ("customer_bigram_insert", "customer_bigram_update", "customer_bigram_delete"),
                   "postgresql": ("customer_bigram_sync", "customer_bigram_sync_update")}

TrigramIndex = Literal["fts5", "pg_trgm"]


def trigram_index(connection: Connection) -> TrigramIndex | None:
    """Which trigram index this database has, or None when fuzzy search must scan.

    One catalogue query, asked each time (fuzzy search only runs when nothing else matched): a cached answer
    could outlive a migration or a downgrade run by another process.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # Every object, and the columns of 0005 (a table of 0004 indexes name keys, not names or tags).
        names = [FTS_TABLE, FTS_TERMS, *FTS_TRIGGERS]
        statement = text(
            "SELECT (SELECT count(*) FROM sqlite_master WHERE name IN :names) "
            "+ (SELECT count(*) FROM pragma_table_info(:table) WHERE name IN :columns)"
        ).bindparams(bindparam("names", expanding=True), bindparam("columns", expanding=True))
        found = connection.execute(statement, {"names": names, "table": FTS_TABLE,
                                               "columns": list(FTS_COLUMNS)}).scalar_one()
        return "fts5" if found == len(names) + len(FTS_COLUMNS) else None
    if dialect == "postgresql":
        usable = connection.execute(
            text("SELECT to_regclass(:name_key) IS NOT NULL AND to_regclass(:pinyin) IS NOT NULL"),
            {"name_key": POSTGRES_INDEXES[0], "pinyin": POSTGRES_INDEXES[1]},
        ).scalar_one()
        return "pg_trgm" if usable else None
    return None


def bigram_index(connection: Connection) -> bool:
    """Whether this database has the name-bigram table and its triggers (one catalogue query, as above)."""
    dialect = connection.dialect.name
    triggers = BIGRAM_TRIGGERS.get(dialect)
    if triggers is None:
        return False
    if dialect == "sqlite":
        statement = text("SELECT count(*) FROM sqlite_master WHERE name IN :names").bindparams(
            bindparam("names", expanding=True))
        names = [BIGRAM_TABLE, *BIGRAM_HELPERS, *triggers]
    else:
        statement = text("SELECT (SELECT count(*) FROM pg_class WHERE relname = :table AND relkind = 'r') "
                         "+ (SELECT count(*) FROM pg_trigger WHERE tgname IN :names AND NOT tgisinternal)").bindparams(
            bindparam("names", expanding=True))
        names = list(triggers)
        found = connection.execute(statement, {"table": BIGRAM_TABLE, "names": names}).scalar_one()
        return found == 1 + len(triggers)
    return connection.execute(statement, {"names": names}).scalar_one() == len(names)


def is_trigram_index_object(name: str | None, type_: str) -> bool:
    """True for the index's own tables (FTS5, its shadow tables, the vocabulary, the name bigrams and their
    helper) and PostgreSQL indexes."""
    if name is None:
        return False
    if type_ == "table":
        return name in (FTS_TABLE, BIGRAM_TABLE, *BIGRAM_HELPERS) or name.startswith(f"{FTS_TABLE}_")
    if type_ == "index":
        return name in POSTGRES_INDEXES or name.startswith(f"ix_{BIGRAM_TABLE}_")
    return False


# Tables a platform SDK creates and migrates for itself in the project's database (slack_sdk's OAuth
# installation and state stores, ``create_tables()`` at start): ours to keep, not ours to declare or drop.
SDK_OWNED_TABLES = frozenset({"slack_installations", "slack_bots", "slack_oauth_states"})


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic ``include_name`` hook: compare everything except what no model declares (the trigram index,
    the tables SDKs own)."""
    if type_ == "table" and name in SDK_OWNED_TABLES:
        return False
    return not is_trigram_index_object(name, type_)


def trigrams(text_: str) -> list[str]:
    """The distinct 3-character substrings of ``text_``, in first-seen order (none below 3 characters)."""
    return list(dict.fromkeys(text_[i : i + 3] for i in range(len(text_) - 2)))


def fts5_phrase(term: str) -> str:
    """``term`` as an FTS5 string literal (double quotes doubled), matched as one trigram."""
    return '"' + term.replace('"', '""') + '"'


def fts5_any(terms: Iterable[str]) -> str:
    """An FTS5 query matching rows that contain any of ``terms``."""
    return " OR ".join(fts5_phrase(term) for term in terms)


def settle_after_bulk_insert(engine: Engine) -> None:
    """After thousands of customers were inserted at once (an import): on PostgreSQL, move the trigram indexes'
    pending entries into the index proper and refresh the planner's statistics.

    GIN indexes take inserts into a pending list that every search reads in full until autovacuum merges it;
    right after a 60,000-row load a trigram search took 100+ ms instead of 0.1 ms, and the planner, seeing the
    cost, turned to scans. Nothing to do on SQLite (FTS5 merges as it goes). Best effort: a role that may not
    do it leaves the work to autovacuum.
    """
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.begin() as conn:
            for index in POSTGRES_INDEXES:
                if conn.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": index}).scalar_one():
                    conn.execute(text("SELECT gin_clean_pending_list(CAST(:name AS regclass))"), {"name": index})
            conn.exec_driver_sql("ANALYZE customer")
    except DBAPIError as exc:
        log.warning("could not settle the customer indexes after a bulk insert (autovacuum will): %s",
                    str(exc.orig).strip().splitlines()[0])
