"""Bringing stored customer search keys up to the current way of computing them.

The keys (``name_key``, ``pinyin_full``, ``pinyin_initials``) are derived from the name by
:func:`bot.services.customers.search_keys`. When that computation changes, :data:`SEARCH_KEYS_VERSION` is
raised and :func:`refresh_search_keys` (run at start-up, after the migrations) recomputes the stored rows once
and records the version in ``data_version``. Several processes starting together may both recompute: each
writes the same values, so the result is the same.
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.services.customers import search_keys
from storage.models import Customer, DataVersion
from storage.timeutil import utcnow

__all__ = ["SEARCH_KEYS_VERSION", "refresh_search_keys"]

#: 1: one reading per character. 2: every reading, surname readings for persons, traditional folded.
SEARCH_KEYS_VERSION = 2
_NAME = "customer_search_keys"
_BATCH = 2000


def refresh_search_keys(engine: Engine) -> int:
    """Recompute the search keys of every customer if they were computed by an older version; returns how
    many rows changed (0 when already current)."""
    with Session(engine) as session:
        stored = session.get(DataVersion, _NAME)
        if stored is not None and stored.version >= SEARCH_KEYS_VERSION:
            return 0
    changed = 0
    last = 0
    while True:
        with Session(engine) as session, session.begin():
            rows = session.execute(
                select(Customer.id, Customer.name, Customer.kind, Customer.name_key, Customer.pinyin_full,
                       Customer.pinyin_initials).where(Customer.id > last).order_by(Customer.id).limit(_BATCH)
            ).all()
            if not rows:
                break
            updates = []
            for row in rows:
                keys = search_keys(row.name or "", person=row.kind == "person")
                if (keys.name_key, keys.pinyin_full, keys.pinyin_initials) != tuple(row[3:]):
                    updates.append({"row_id": row.id, "k": keys.name_key, "p": keys.pinyin_full,
                                    "i": keys.pinyin_initials})
            if updates:
                statement = (update(Customer).where(Customer.id == bindparam("row_id"))
                             .values(name_key=bindparam("k"), pinyin_full=bindparam("p"),
                                     pinyin_initials=bindparam("i")))
                session.connection().execute(statement.execution_options(synchronize_session=False), updates)
            changed += len(updates)
            last = rows[-1].id
    try:
        with Session(engine) as session, session.begin():
            stored = session.get(DataVersion, _NAME)
            if stored is None:
                session.add(DataVersion(name=_NAME, version=SEARCH_KEYS_VERSION, updated_at=utcnow()))
            elif stored.version < SEARCH_KEYS_VERSION:
                stored.version, stored.updated_at = SEARCH_KEYS_VERSION, utcnow()
    except IntegrityError:
        pass  # another process recorded the version first, after computing the same keys
    return changed
