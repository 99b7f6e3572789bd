"""customer name bigrams: one- and two-character searches answered from an index

The trigram index (0004, 0005) needs three characters, so ``find 华为`` as a manager or an admin read every
customer they can see, looking for the two characters inside a name (93–347 ms for an admin of 60,000
customers). ``customer_bigram`` holds each name's two-character pieces (lower-cased as SQL's ``lower()``
does, which is what ``LIKE`` compares), one row per (tenant, piece, customer): a short search reads the
customers holding its piece, in id order, and stops after a page.

The same table and the same query on both databases, kept current by triggers on ``customer`` (a change of
``name`` or ``tenant`` re-indexes the row; last-contact and next-step updates do not touch it):

- SQLite: the triggers split the name with ``gram_position`` (the numbers 1 … 200, one per possible start;
  SQLite triggers cannot use a recursive WITH), and the table is WITHOUT ROWID: the key is all it holds.
- PostgreSQL: one PL/pgSQL trigger function with ``generate_series`` (and an index by customer, so that a
  rename or a delete finds the customer's pieces).

Existing customers are indexed by the migration.

Revision ID: 0013_sched_bigrams
Revises: 0012_sched_scope
Create Date: 2026-12-03 14:40:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0013_sched_bigrams'
down_revision: str | None = '0012_sched_scope'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_LENGTH = 200  # customer.name's declared length: every start of a piece has its number

SQLITE_TRIGGERS = ("customer_bigram_insert", "customer_bigram_update", "customer_bigram_delete")


def _pieces(row: str) -> str:
    """SQLite: the (tenant, piece, id) rows of customer `row` (``new`` / ``old``)."""
    return (f"SELECT DISTINCT {row}.tenant, lower(substr({row}.name, p.n, 2)), {row}.id FROM gram_position p "
            f"WHERE p.n < length({row}.name)")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.execute(
        "CREATE TABLE customer_bigram (tenant VARCHAR(120) NOT NULL, gram VARCHAR(2) NOT NULL, "
        "customer_id INTEGER NOT NULL, PRIMARY KEY (tenant, gram, customer_id))"
        + (" WITHOUT ROWID" if dialect == "sqlite" else "")
    )
    if dialect == "sqlite":
        op.execute("CREATE TABLE gram_position (n INTEGER PRIMARY KEY)")
        op.execute(f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {NAME_LENGTH}) "
                   "INSERT INTO gram_position (n) SELECT n FROM k")
        forget = (f"DELETE FROM customer_bigram WHERE tenant = old.tenant AND customer_id = old.id AND gram IN "
                  f"(SELECT lower(substr(old.name, p.n, 2)) FROM gram_position p WHERE p.n < length(old.name));")
        remember = f"INSERT OR IGNORE INTO customer_bigram (tenant, gram, customer_id) {_pieces('new')};"
        op.execute(f"CREATE TRIGGER customer_bigram_insert AFTER INSERT ON customer BEGIN {remember} END")
        op.execute(f"CREATE TRIGGER customer_bigram_delete AFTER DELETE ON customer BEGIN {forget} END")
        op.execute("CREATE TRIGGER customer_bigram_update AFTER UPDATE OF name, tenant ON customer "
                   f"WHEN old.name IS NOT new.name OR old.tenant IS NOT new.tenant BEGIN {forget} {remember} END")
        op.execute("INSERT OR IGNORE INTO customer_bigram (tenant, gram, customer_id) "
                   "SELECT DISTINCT c.tenant, lower(substr(c.name, p.n, 2)), c.id FROM customer c "
                   "JOIN gram_position p ON p.n < length(c.name)")
    elif dialect == "postgresql":
        op.execute("""
            CREATE FUNCTION customer_bigram_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    DELETE FROM customer_bigram WHERE tenant = OLD.tenant AND customer_id = OLD.id;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    INSERT INTO customer_bigram (tenant, gram, customer_id)
                    SELECT DISTINCT NEW.tenant, lower(substr(NEW.name, n, 2)), NEW.id
                    FROM generate_series(1, length(NEW.name) - 1) AS n
                    ON CONFLICT DO NOTHING;
                END IF;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER customer_bigram_sync AFTER INSERT OR DELETE ON customer "
                   "FOR EACH ROW EXECUTE FUNCTION customer_bigram_sync()")
        # Only a change of the name (or tenant) re-indexes: the frequent updates (last contact, next step) do not.
        op.execute("CREATE TRIGGER customer_bigram_sync_update AFTER UPDATE OF name, tenant ON customer FOR EACH ROW "
                   "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.tenant IS DISTINCT FROM NEW.tenant) "
                   "EXECUTE FUNCTION customer_bigram_sync()")
        op.execute("INSERT INTO customer_bigram (tenant, gram, customer_id) "
                   "SELECT DISTINCT c.tenant, lower(substr(c.name, n, 2)), c.id FROM customer c "
                   "CROSS JOIN LATERAL generate_series(1, length(c.name) - 1) AS n ON CONFLICT DO NOTHING")
        # The PRIMARY KEY serves the look-ups; deleting a customer's pieces by id needs its own index.
        op.execute("CREATE INDEX ix_customer_bigram_customer ON customer_bigram (customer_id)")


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS gram_position")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS customer_bigram_sync ON customer")
        op.execute("DROP TRIGGER IF EXISTS customer_bigram_sync_update ON customer")
        op.execute("DROP FUNCTION IF EXISTS customer_bigram_sync()")
    op.execute("DROP TABLE IF EXISTS customer_bigram")
