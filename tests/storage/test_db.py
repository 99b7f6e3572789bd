"""SQLite connections: a bulk write gets a large page cache for its transaction, and the pooled connection gets
the default back, so an import does not leave 64 MB behind in every connection it used."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import BULK_WRITE_CACHE_KIB, bulk_write_cache, create_db_engine


def test_a_bulk_write_has_a_large_cache_until_it_commits_and_then_the_default(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/cache.db", pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        default = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        conn.rollback()
        with bulk_write_cache(conn), conn.begin():
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -BULK_WRITE_CACHE_KIB
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == default
        conn.rollback()
    with engine.connect() as conn:  # the same pooled connection
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == default
    engine.dispose()
