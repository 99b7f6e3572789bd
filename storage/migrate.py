"""Apply Alembic migrations programmatically (`crmbot db upgrade`, and on every start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Replicas that start together on one PostgreSQL database take turns migrating (the key is arbitrary but fixed);
# the one that waited finds the schema at head and has nothing to do.
MIGRATION_LOCK_KEY = 7_215_410_001


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations folder and the given database URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class SchemaTooNew(Exception):
    """The database was migrated by a newer crmbot: its revision is unknown to this code."""

    def __init__(self, revision: str, head: str | None) -> None:
        super().__init__(f"the database is at schema revision {revision}, which this crmbot does not know "
                         f"(its newest is {head}); it was migrated by a newer version: upgrade crmbot")
        self.revision = revision
        self.head = head


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _check_known(connection, script: ScriptDirectory) -> None:
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise SchemaTooNew(current, script.get_current_head())


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (idempotent; creates every table on a fresh database), in one
    transaction; on PostgreSQL concurrent callers queue on an advisory lock.

    Raises `SchemaTooNew` rather than Alembic's "Can't locate revision" when a newer crmbot migrated it."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        _check_known(connection, ScriptDirectory.from_config(cfg))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        _fill_missing_statistics(connection)


def _fill_missing_statistics(connection: Connection) -> None:
    """SQLite: give the indexes a migration just created the planner statistics the database's other indexes
    have (``ANALYZE`` of each such index alone).

    Only where ``ANALYZE`` ran before (the demo generator and an operator's maintenance do): there, an index
    without a row in ``sqlite_stat1`` is costed by default guesses beside measured ones, and a new index on
    ``(tenant, …)`` looked better to the planner than the owner's index for a rep's own customers, which then
    read the whole tenant. A database without statistics keeps the guesses for all of its indexes alike.
    """
    if connection.dialect.name != "sqlite":
        return
    if connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is None:
        return
    missing = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN (SELECT tbl FROM sqlite_stat1 WHERE idx IS NOT NULL) "
        "AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)").scalars().all()
    for name in missing:
        connection.exec_driver_sql(f'ANALYZE "{name}"')


def check_schema(engine: Engine) -> None:
    """Connect and raise `SchemaTooNew` if the database's revision is unknown (no migration)."""
    with engine.connect() as connection:
        _check_known(connection, ScriptDirectory.from_config(alembic_config("sqlite://")))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
