"""customer trigram index

The index behind fuzzy customer search (``bot.services.fuzzy_search``; names in ``storage.fuzzy_index``), over
``customer.name_key`` and ``customer.pinyin_full``:

- SQLite: an FTS5 table with the trigram tokenizer, external content (rowid = customer.id, no copy of the
  text), filled from the existing rows and kept current by triggers, which also cover the importer's and the
  demo generator's bulk inserts; plus an fts5vocab table giving each trigram's customer count.
- PostgreSQL: the ``pg_trgm`` extension and a GIN ``gin_trgm_ops`` index per column.

Neither is required: when SQLite lacks FTS5 or the trigram tokenizer (before 3.34), or the PostgreSQL role may
not create ``pg_trgm``, or the server's LC_CTYPE gives Chinese characters no trigrams, the step is skipped with
a warning instead of failing the upgrade, and fuzzy search scans (``storage.fuzzy_index.trigram_index``).
Each probe runs in a savepoint, so a refusal does not abort the migration's transaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 12:00:00.000000
"""
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE customer_trigram USING fts5(name_key, pinyin_full, content='customer', "
    "content_rowid='id', tokenize='trigram', detail='none')"
)
# External content: FTS5 keeps only the index, so deleting an entry must restate the old values.
SQLITE_SYNC = (
    "CREATE TRIGGER customer_trigram_insert AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_trigram(rowid, name_key, pinyin_full) VALUES (new.id, new.name_key, new.pinyin_full); "
    "END",
    "CREATE TRIGGER customer_trigram_delete AFTER DELETE ON customer BEGIN "
    "INSERT INTO customer_trigram(customer_trigram, rowid, name_key, pinyin_full) "
    "VALUES ('delete', old.id, old.name_key, old.pinyin_full); "
    "END",
    # Only a change of the indexed columns re-indexes: the frequent updates (last contact, next step) do not.
    "CREATE TRIGGER customer_trigram_update AFTER UPDATE OF name_key, pinyin_full ON customer BEGIN "
    "INSERT INTO customer_trigram(customer_trigram, rowid, name_key, pinyin_full) "
    "VALUES ('delete', old.id, old.name_key, old.pinyin_full); "
    "INSERT INTO customer_trigram(rowid, name_key, pinyin_full) VALUES (new.id, new.name_key, new.pinyin_full); "
    "END",
    "INSERT INTO customer_trigram(customer_trigram) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE customer_trigram_terms USING fts5vocab(customer_trigram, 'row')",
)
POSTGRES_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
POSTGRES_INDEXES = (
    "CREATE INDEX ix_customer_name_key_trgm ON customer USING gin (name_key gin_trgm_ops)",
    "CREATE INDEX ix_customer_pinyin_full_trgm ON customer USING gin (pinyin_full gin_trgm_ops)",
)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite':
        if _probe(SQLITE_FTS, "SQLite has no FTS5 trigram tokenizer (needs FTS5, SQLite >= 3.34)"):
            for statement in SQLITE_SYNC:
                op.execute(statement)
    elif dialect == 'postgresql':
        if _probe(POSTGRES_EXTENSION, "the pg_trgm extension cannot be created by this role") and _han_trigrams():
            for statement in POSTGRES_INDEXES:
                op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite':
        for trigger in ('customer_trigram_insert', 'customer_trigram_update', 'customer_trigram_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS customer_trigram_terms")
        op.execute("DROP TABLE IF EXISTS customer_trigram")
    elif dialect == 'postgresql':
        # The extension stays: other objects may use it, and dropping it may need more rights than creating.
        op.execute("DROP INDEX IF EXISTS ix_customer_pinyin_full_trgm")
        op.execute("DROP INDEX IF EXISTS ix_customer_name_key_trgm")


def _probe(statement: str, reason: str) -> bool:
    """Run `statement` in a savepoint; False (with a warning) when the database refuses it."""
    if op.get_context().as_sql:  # offline (--sql): emit it, there is nothing to ask
        op.execute(statement)
        return True
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(statement)
    except sa.exc.DBAPIError as exc:
        log.warning("fuzzy customer search will scan instead of using a trigram index: %s (%s)", reason,
                    str(exc.orig).strip().splitlines()[0])
        return False
    return True


def _han_trigrams() -> bool:
    """Whether pg_trgm makes trigrams of Chinese text (it does not when the database's LC_CTYPE is C)."""
    if op.get_context().as_sql:
        return True
    if op.get_bind().exec_driver_sql("SELECT cardinality(show_trgm('客户名称'))").scalar_one() > 0:
        return True
    log.warning("fuzzy customer search will scan instead of using a trigram index: pg_trgm finds no trigrams "
                "in Chinese text under this database's LC_CTYPE")
    return False
