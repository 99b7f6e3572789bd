"""The hot scheduler statements use their (partial) indexes on SQLite: EXPLAIN QUERY PLAN of what a tick ran."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from storage.db import is_sqlite
from tests.bot.notifications.helpers import local

SH = "Asia/Shanghai"


@pytest.fixture
def statements(engine):
    if not is_sqlite(engine):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(("INSERT INTO notification_outbox", "UPDATE notification_outbox")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    yield seen
    event.remove(engine, "before_cursor_execute", grab)


def test_enqueue_and_claim_search_their_indexes_instead_of_scanning(world, engine, statements):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    world.step(acme, due_date=date(2026, 11, 18))
    world.contact(acme, "Zhang Wei", month=11, day=18)
    world.order(acme, "100", due=date(2026, 11, 10))

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    with engine.connect() as conn:
        plans = [" | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                 for sql, params in statements]
    joined = "\n".join(plans)
    assert "SEARCH followup USING INDEX ix_followup_open_due (next_due_at>? AND next_due_at<?)" in joined
    assert "SEARCH reminder USING INDEX ix_reminder_open_due" in joined
    assert "SEARCH sales_order USING INDEX ix_order_unpaid_due" in joined
    assert "SEARCH contact USING INDEX ix_contact_birthday" in joined
    # A claim walks the open rows' audience index in channel order and stops after its audiences.
    assert "SCAN notification_outbox USING COVERING INDEX ix_outbox_open_audience" in joined
    joined = joined.replace("SCAN notification_outbox USING COVERING INDEX ix_outbox_open_audience", "")
    assert not any(f"SCAN {table}" in joined for table in ("followup", "reminder", "sales_order", "contact",
                                                           "notification_outbox"))
