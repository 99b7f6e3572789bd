"""Bulk-insert helpers shared by the importer and the demo generator.

Rows are inserted with ids allocated up front, so one plain executemany writes a whole batch and the caller
knows every id without ``RETURNING``. (SQLAlchemy can only keep ``INSERT … RETURNING`` results in parameter
order on SQLite by falling back to one statement per row: measured 2.3× slower for 10,000 customers.)
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, select, text


def allocate_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, valid until this transaction ends.

    PostgreSQL: drawn from the column's sequence (concurrent writers get other values). SQLite: the ids
    after the current maximum, which is safe because an import transaction holds SQLite's write lock
    (``BEGIN IMMEDIATE``) until it commits, so no one else can insert in between.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        )
        return [row[0] for row in rows]
    start = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
    return list(range(start, start + count))
