"""After an import on PostgreSQL the customer table is ready to search at once: statistics refreshed and the
trigram indexes' pending lists merged, instead of waiting minutes for autovacuum."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.bot.importing.spreadsheets import write_csv


def test_an_import_leaves_fresh_statistics_for_the_planner(tmp_path, run_import, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's FTS5 index needs no settling")
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE customer CASCADE")  # statistics unknown (-1) from here
    rows = [["客户名称", "电话"], *([f"华东贸易{i}号", f"1380013{i:04d}"] for i in range(300))]

    report = run_import(write_csv(tmp_path / "book.csv", rows))

    assert report.created == 300
    with engine.connect() as conn:
        estimate = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'customer'")).scalar_one()
        pending = conn.execute(text(
            "SELECT gin_clean_pending_list(CAST('ix_customer_name_trgm' AS regclass))")).scalar_one()
    assert estimate == 300
    assert pending == 0  # nothing left to merge: the import did it
