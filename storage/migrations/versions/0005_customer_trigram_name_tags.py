"""customer trigram index also covers name and tags

Migration 0004's trigram index served fuzzy search only (``name_key``, ``pinyin_full``). ``find`` also looks for
the query inside names and tags when the indexed look-ups leave its page short, and that pass scanned every
visible customer (a manager of a 50-rep team: 15,000 rows, ~15 ms). With ``name`` and ``tags`` indexed too,
it reads only the customers holding the query's rarest trigram (``bot.services.trigram_lookup``).

- SQLite: the FTS5 table is rebuilt over ``name``, ``pinyin_full`` and ``tags``; its triggers fire on a change
  of any of them. ``name`` replaces ``name_key``: the key is the name folded, without punctuation and legal
  form, so its trigrams are the name's but for those spanning a removed character, which fuzzy search also
  asks for in the query as typed. One text column less to index per customer (an import of 60,000 spends
  0.6 s less in the index).
- PostgreSQL: two more ``gin_trgm_ops`` indexes (``name``, ``tags``), which the planner uses for
  ``LIKE '%…%'`` by itself; fuzzy search keeps using the ``name_key`` one (``<%``).

As in 0004, each step is skipped with a warning when the database cannot build it (no FTS5 trigram tokenizer,
no ``pg_trgm``): search then scans, with the same answers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:00:00.000000
"""
import logging
from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

FTS_TABLE = "customer_trigram"
TRIGGERS = ("customer_trigram_insert", "customer_trigram_update", "customer_trigram_delete")
COLUMNS_0004 = ("name_key", "pinyin_full")
COLUMNS = ("name", "pinyin_full", "tags")
POSTGRES_INDEXES = {
    "ix_customer_name_trgm": "CREATE INDEX ix_customer_name_trgm ON customer USING gin (name gin_trgm_ops)",
    "ix_customer_tags_trgm": "CREATE INDEX ix_customer_tags_trgm ON customer USING gin (tags gin_trgm_ops)",
}


def sqlite_index(columns: Sequence[str], *, options: str = "") -> list[str]:
    """The FTS5 table over `columns` of ``customer`` (with extra FTS5 `options`), its triggers, its fill and
    its vocabulary table."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # External content: FTS5 keeps only the index, so deleting an entry must restate the old values.
    forget = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {names}) VALUES ('delete', old.id, {old});"
    remember = f"INSERT INTO {FTS_TABLE}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({names}, content='customer', content_rowid='id', "
        f"tokenize='trigram', detail='none'{options})",
        f"CREATE TRIGGER customer_trigram_insert AFTER INSERT ON customer BEGIN {remember} END",
        f"CREATE TRIGGER customer_trigram_delete AFTER DELETE ON customer BEGIN {forget} END",
        # Only a change of the indexed columns re-indexes: the frequent updates (last contact, next step) do not.
        f"CREATE TRIGGER customer_trigram_update AFTER UPDATE OF {names} ON customer BEGIN {forget} {remember} END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
        f"CREATE VIRTUAL TABLE {FTS_TABLE}_terms USING fts5vocab({FTS_TABLE}, 'row')",
    ]


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite' and _sqlite_has_index():
        _drop_sqlite_index()
        # columnsize=0: no per-row column sizes, which only ranking (bm25) reads and nothing here ranks; a third
        # less work per indexed customer.
        for statement in sqlite_index(COLUMNS, options=", columnsize=0"):
            op.execute(statement)
    elif dialect == 'postgresql' and _postgres_has_index():
        for statement in POSTGRES_INDEXES.values():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite' and _sqlite_has_index():
        _drop_sqlite_index()
        for statement in sqlite_index(COLUMNS_0004):
            op.execute(statement)
    elif dialect == 'postgresql':
        for name in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")


def _sqlite_has_index() -> bool:
    """Whether 0004 built the FTS5 table (it skips it where SQLite has no trigram tokenizer)."""
    if op.get_context().as_sql:
        return True
    found = op.get_bind().exec_driver_sql(
        f"SELECT count(*) FROM sqlite_master WHERE name = '{FTS_TABLE}'").scalar_one()
    if not found:
        log.warning("customer search will scan names and tags: this SQLite has no FTS5 trigram index (see 0004)")
    return bool(found)


def _drop_sqlite_index() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}_terms")
    op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _postgres_has_index() -> bool:
    """Whether 0004 built its pg_trgm indexes (it skips them without the extension or Chinese trigrams)."""
    if op.get_context().as_sql:
        return True
    found = op.get_bind().exec_driver_sql("SELECT to_regclass('ix_customer_name_key_trgm') IS NOT NULL").scalar_one()
    if not found:
        log.warning("customer search will scan names and tags: no pg_trgm indexes (see 0004)")
    return bool(found)

