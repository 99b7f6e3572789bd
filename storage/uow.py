"""The unit of work: one database transaction per command or job, retried when the database asks for it.

Under concurrency PostgreSQL may abort a transaction that did nothing wrong: a serialization failure, a
deadlock victim, or a unique key that a concurrent transaction took first (two replicas creating the same
user, two shares of one card in a channel, a redelivered message). Run again, the transaction sees the
winner's committed row and does the right thing, so `run_in_transaction` retries those a bounded number of
times; SQLite's "database is locked" (a busy timeout that ran out) is retried the same way.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Engine, inspect, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from storage.db import is_sqlite

log = logging.getLogger("crmbot.storage")
T = TypeVar("T")

# SQLSTATEs that mean "run me again": serialization_failure, deadlock_detected, unique_violation (a concurrent
# transaction inserted the same key first; the rerun finds its row), lock_not_available.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505", "55P03"})
ATTEMPTS = 5


class SqlUnitOfWork:
    """A transaction around a `Session`: commit explicitly, roll back on error or when left open.

    ``write=True`` takes SQLite's write lock at BEGIN so concurrent writers queue instead of failing.
    """

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self._engine = engine
        self._write = write
        self.session: Session | None = None

    def __enter__(self) -> Session:
        bind = self._engine
        if self._write and is_sqlite(self._engine):
            bind = self._engine.execution_options(sqlite_immediate=True)
        self.session = Session(bind=bind, expire_on_commit=False)
        return self.session

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None


def unit_of_work(engine: Engine, *, write: bool = True) -> SqlUnitOfWork:
    """Open a unit of work: ``with unit_of_work(engine) as session: ...`` commits on success."""
    return SqlUnitOfWork(engine, write=write)


def is_retryable(exc: BaseException) -> bool:
    """Whether `exc` is a conflict with a concurrent transaction that a fresh attempt resolves."""
    if not isinstance(exc, DBAPIError) or exc.connection_invalidated:
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in RETRYABLE_SQLSTATES
    message = str(exc.orig).lower()
    return "database is locked" in message or "deadlock" in message


def run_in_transaction(engine: Engine, work: Callable[[Session], T], *, write: bool = True,
                       attempts: int = ATTEMPTS) -> T:
    """``work(session)`` in a unit of work, committed; rerun from scratch after a retryable conflict.

    `work` must do nothing outside the session that cannot be repeated (collect events, publish after).
    The last attempt's error propagates.
    """
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine, write=write) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            log.info("retrying a transaction after a conflict (attempt %d): %s", attempt, exc.orig)
            # A little random back-off, so the transactions that collided do not collide again in lockstep.
            time.sleep(random.uniform(0.002, 0.02) * attempt)
    raise AssertionError("unreachable")


def lock_for_update(session: Session, instance: object) -> None:
    """Re-read `instance` holding its row lock until the transaction ends (``SELECT … FOR UPDATE``).

    Writers of one customer queue on its row, so "read the open step, close it, open a new one" is atomic.
    Nothing on SQLite: a writing unit of work there holds the database's write lock from ``BEGIN IMMEDIATE``.
    Call it before changing the instance (a refresh drops unflushed changes).
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        session.refresh(instance, with_for_update=True)


def write_first(session: Session, instance: object, values: dict[str, object],
                returning: Sequence[Any] = ()) -> Any:
    """``UPDATE`` the instance's row with `values` right away, which also takes its row lock until the transaction
    ends; the instance carries the values without a second write at flush.

    One statement where `lock_for_update` and the later flush would be two: for a writer that changes the row
    anyway and must hold it before reading what concurrent writers may have changed. `returning` (columns or
    scalar subqueries correlated to the row) is read by the same statement, under the lock; the row of them is
    returned (None without any).
    """
    state = inspect(instance)
    model = type(instance)
    (key,) = state.mapper.primary_key
    statement = (update(model).where(key == state.identity[0]).values(**values)
                 .execution_options(synchronize_session=False))
    if returning:
        statement = statement.returning(*returning)
    result = session.execute(statement)
    row = result.first() if returning else None
    for name, value in values.items():
        set_committed_value(instance, name, value)
    return row
