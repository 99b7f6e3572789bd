"""Statements per command: how many SQL statements one chat command sends to the database.

On PostgreSQL every statement is a round trip on the wire (about 0.3–0.5 ms on loopback, more across a network),
so the count bounds what no index can save. Counted are the statements the application executes; the
transaction's BEGIN and COMMIT come on top (two more round trips on PostgreSQL, which psycopg sends by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

STATEMENT_BUDGET = 6  # per interactive command on a warm connection
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


def statements_of(engine: Engine, work: Callable[[], object]) -> list[str]:
    """The statements `work` sends through `engine` (without transaction control), in order."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent
