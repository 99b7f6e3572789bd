"""Reading the trigram index (``storage.fuzzy_index``): which customers are worth looking at for a query.

Queries of two characters have no trigram; the name-bigram table answers them instead
(:meth:`VisibleBook.bigram_holders`), so a manager's or an admin's ``find 华为`` reads the customers holding
``华为`` in id order and stops after a page, instead of scanning everything they can see.

Customer search asks it twice: for the customers that may hold the query inside their name or tags
(:meth:`VisibleBook.substring_rowids`), and for fuzzy candidates (``bot.services.fuzzy_search``). Both answers
are supersets, narrowed to the visible customers and checked exactly by the caller's own SQL, so the index only
decides which rows are read, never what is found.

Costs behind the choices (2-core machine, 60,000 customers): a visible customer read by a scan costs about
1 µs, one looked up by rowid from the index 1–3 µs, and FTS5 hands over a trigram's customers at well under
1 µs each. So the index pays when the rare trigrams hold fewer customers than the user can see; a rep's
few hundred are read whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Integer,
    Select,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy import column as sql_column
from sqlmodel import Session, col

from storage.fuzzy_index import (
    BIGRAM_TABLE,
    FTS_TABLE,
    FTS_TERMS,
    TrigramIndex,
    bigram_index,
    fts5_any,
    trigram_index,
    trigrams,
)
from storage.models import Customer

SUBSTRING_BUDGET = 2000  # a word held by more customers than this is looked for by a scan
FEW_POSTINGS = 50  # up to this many customers from the index are read without comparing with the book's size
SMALL_BOOK = 500  # a user who sees at most this many customers has them read whole for a two-character query
LOOKUP_COST = 2  # one customer looked up by rowid costs about as much as this many read by a scan
COUNTS_TTL_SECONDS = 60.0
_COUNTS_KEPT = 100_000

# (database, trigram) → (monotonic expiry, customers holding it). fts5vocab counts a trigram by reading its
# whole posting list (~0.75 ms for one held by 25,000 customers), so a busy process keeps them a minute. A stale
# count can only make a search read more or fewer rows than ideal, never find something else: every pass checks
# its candidates with its own SQL, and a trigram counted 0 is still matched.
_shared_counts: dict[tuple[str, str], tuple[float, int]] = {}

# database → (monotonic expiry, trigram index, bigram table): the catalogue answers, kept a minute when the index
# is there (one catalogue query fewer on every `find`). An answer of "none" is asked again each time, so the index
# is used as soon as a migration creates it; one that is dropped while a process runs (a downgrade) is noticed
# within the minute, or at once through `forget_index_answers` (what an in-process migration calls).
INDEX_TTL_SECONDS = 60.0
_index_answers: dict[tuple[str, str], tuple[float, Any]] = {}


def forget_index_answers() -> None:
    """Ask the catalogue again on the next search (after creating or dropping the search indexes)."""
    _index_answers.clear()


_FTS = table(FTS_TABLE, sql_column("rowid"))
_TERMS = table(FTS_TERMS, sql_column("term"), sql_column("doc"))
_BIGRAMS = table(BIGRAM_TABLE, sql_column("tenant"), sql_column("gram"), sql_column("customer_id"))


class VisibleBook:
    """One search's view of the customers a user may see and of the trigram index over them.

    What it learns (which index the database has, how large the book is) it asks the database once per search,
    however many passes need it; trigram counts are shared by the process for a minute.
    """

    def __init__(self, session: Session, visible: ColumnElement[bool], *, tenant: str) -> None:
        self.session = session
        self.visible = visible
        self.tenant = tenant
        self._size_seen: tuple[int, int] = (0, 0)  # (cap asked, count found)

    @cached_property
    def index(self) -> TrigramIndex | None:
        """The trigram index this database has (None: search scans)."""
        return self._known("trigram", trigram_index)

    @cached_property
    def bigrams(self) -> bool:
        """Whether the database has the name-bigram table (two-character queries)."""
        return bool(self._known("bigram", bigram_index))

    def _known(self, what: str, ask: Callable[[Connection], Any]) -> Any:
        bind = self.session.get_bind()
        key, now = (getattr(bind, "engine", bind).url.render_as_string(), what), time.monotonic()
        expires, answer = _index_answers.get(key, (0.0, None))
        if expires > now:
            return answer
        answer = ask(self.session.connection())
        if answer:
            _index_answers[key] = (now + INDEX_TTL_SECONDS, answer)
        return answer

    def with_bigram(self, statement: Select, query: str) -> Select | None:
        """For a two-character `query`: `statement` (over customers) narrowed to those whose name holds it (lower-
        cased as SQL's ``lower()``, what ``LIKE`` compares), read from the name-bigram table in id order; None
        when there is no table, the query has another length, or the user sees so few customers that reading
        them all costs less.

        A join, not ``id IN (…)``: SQLite would first collect every holder (30,000 for 公司, 15 ms), where the
        join walks the holders and stops at the statement's LIMIT.
        """
        if len(query) != 2 or not self.bigrams or self.has_at_most(SMALL_BOOK):
            return None
        return (statement.join(_BIGRAMS, _BIGRAMS.c.customer_id == Customer.id)
                .where(_BIGRAMS.c.tenant == self.tenant, _BIGRAMS.c.gram == func.lower(query)))

    def has_at_most(self, count: int) -> bool:
        """Whether the user sees no more than `count` customers (reads at most `count` + 1 index entries)."""
        cap, found = self._size_seen
        if found == cap and count >= cap:  # only a lower bound so far, and not enough to answer
            sample = select(Customer.id).where(self.visible).limit(count + 1).subquery()
            found = self.session.execute(select(func.count()).select_from(sample)).scalar_one()
            self._size_seen = (count + 1, found)
        return found <= count

    def read_if_small(self, statement: Select, count: int) -> list[Any] | None:
        """The rows of `statement` (over the visible customers) when the user sees no more than `count`
        customers, else None: one statement that both reads a small book and tells it from a big one, where
        `has_at_most` and then the read would be two (unless the size is known already)."""
        cap, found = self._size_seen
        if found < cap or count < cap:  # the size is known well enough to answer
            return list(self.session.execute(statement)) if found <= count else None
        rows = list(self.session.execute(statement.limit(count + 1)))
        self._size_seen = (count + 1, len(rows))
        return rows if len(rows) <= count else None

    def trigram_counts(self, terms: list[str]) -> dict[str, int]:
        """How many customers hold each of `terms` (absent terms count 0), as of at most a minute ago."""
        database = self.session.get_bind().url.render_as_string()
        now = time.monotonic()
        if len(_shared_counts) > _COUNTS_KEPT:
            _shared_counts.clear()
        missing = [term for term in dict.fromkeys(terms) if _shared_counts.get((database, term), (0.0, 0))[0] <= now]
        if missing:
            found = dict(self.session.execute(
                select(_TERMS.c.term, _TERMS.c.doc).where(_TERMS.c.term.in_(missing))).all())
            for term in missing:
                _shared_counts[database, term] = (now + COUNTS_TTL_SECONDS, found.get(term, 0))
        return {term: _shared_counts[database, term][1] for term in terms}

    def substring_candidates(self, query: str, *, in_names: bool,
                             condition: ColumnElement[bool]) -> ColumnElement[bool] | None:
        """A test passed by the customers that may hold `query` in a tag (``,query,``) or, with `in_names`, in
        their name: a superset of those matching `condition` (the caller's exact test of that).

        None when there is no index, when reading the visible customers costs less, or when the name part has no
        trigram (a query of two characters): the caller then scans.

        - SQLite: every holder of a word holds each of its trigrams, so the rarest trigram of each part finds
          them all; FTS5 folds case at least as widely as SQLite's ``LIKE``, so its candidates include every row
          ``LIKE`` accepts.
        - PostgreSQL: the tenant's customers matching `condition` (pg_trgm's GIN indexes serve ``LIKE`` and
          ``ILIKE``), asked apart from the visibility test, with which the planner would rather scan the book.
        """
        if self.index is None or (in_names and len(query) < 3):
            return None
        if self.index == "pg_trgm":
            found = self.session.scalars(select(Customer.id).where(Customer.tenant == self.tenant, condition)
                                         .limit(SUBSTRING_BUDGET + 1)).all()
            return None if len(found) > SUBSTRING_BUDGET else among(found)
        lowered = query.lower()
        parts = [trigrams(f",{lowered},")]
        if in_names:
            parts.append(trigrams(lowered))
        counts = self.trigram_counts([term for part in parts for term in part])
        chosen = [min(part, key=lambda term: counts[term]) for part in parts]
        postings = sum(counts[term] for term in chosen)
        # A handful of postings is always cheaper to look up than any book is to scan: no need to ask its size.
        if postings > SUBSTRING_BUDGET or (postings > FEW_POSTINGS and self.has_at_most(LOOKUP_COST * postings)):
            return None
        return Customer.id.in_(fts5_rowids(chosen))

    def selective_trigrams(self, *forms: str, budget: int) -> list[str]:
        """The trigrams of `forms` held by the fewest customers, rarest first, while they hold at most `budget`.

        The rarest one is always taken, even above the budget (a three-letter query has only one); then
        :func:`fts5_rowids` caps what it reads. Trigrams counted 0 cost nothing to match and are kept: the
        count may be a minute old.
        """
        counts = self.trigram_counts([term for form in forms for term in trigrams(form)])
        chosen: list[str] = []
        total = 0
        for term in sorted(counts, key=lambda t: (counts[t], t)):
            if chosen and total + counts[term] > budget:
                break
            chosen.append(term)
            total += counts[term]
        return chosen


def among(ids: Sequence[int]) -> ColumnElement[bool]:
    """``customer.id`` is one of `ids`, as one array parameter (``= ANY``) on PostgreSQL: an ``IN`` list of a
    thousand parameters costs more to compile and send than the look-up itself."""
    return col(Customer.id) == any_(bindparam("candidate_ids", list(ids), type_=ARRAY(Integer)))


def fts5_rowids(chosen: list[str], *, limit: int | None = None):
    """Ids of the customers holding any `chosen` trigram; with `limit`, only that many, newest first."""
    match = literal_column(FTS_TABLE).op("MATCH")(fts5_any(chosen))
    statement = select(_FTS.c.rowid).where(match)
    return statement if limit is None else statement.order_by(_FTS.c.rowid.desc()).limit(limit)
