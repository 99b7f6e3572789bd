"""The unit of work: one database transaction per command or job."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from storage.db import is_sqlite


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
