"""Fuzzy customer search, the last resort of ``search_customers``: names a typo away from the query.

Two steps. A trigram index (``storage.fuzzy_index``) picks candidates among the visible customers, then
rapidfuzz ranks them exactly as the search always has (``WRatio`` ≥ 75 on the name key), so the index only
decides which rows are read, never what counts as similar. A query typed in Latin letters is also compared
with each candidate's pinyin, so ``beijnig huawie`` finds 北京华为.

Candidates by backend:

- SQLite (FTS5 trigram): the query's trigrams that occur in the fewest customers, added rarest first while
  their customer counts (fts5vocab) stay within :data:`POSTING_BUDGET`, matched with OR. A near miss shares
  most trigrams with the query, so it holds at least one of the selective ones; every candidate is scored,
  which costs less than letting FTS5 rank them (bm25 took ~2.8 µs per matching row: 130 ms for a pinyin query
  matching 48,000 customers, where common trigrams such as ``ang`` match nearly every Chinese name). A user
  who sees at most :data:`SMALL_BOOK` customers (a rep's own book) has them all read instead: cheaper than
  looking the index's candidates up across the tenant, and nothing can be missed.
- PostgreSQL (pg_trgm): ``query <% column`` (word similarity, so a query may be part of a longer name) at a
  threshold of :data:`WORD_SIMILARITY`, best :data:`CANDIDATES` by word similarity.

Without an index (see ``storage.fuzzy_index``), or for a key shorter than a trigram, every visible customer
is a candidate, as before the index existed. Known gap of any trigram index: a name whose every trigram the
typo changed, e.g. two swapped characters in the middle of a short Chinese name (沈阳绿腾 for 沈阳腾绿), is
no candidate, although ``WRatio`` would have accepted it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, String, func, literal, literal_column, or_, select, table
from sqlalchemy import column as sql_column
from sqlmodel import Session

from storage.fuzzy_index import FTS_TABLE, FTS_TERMS, fts5_any, trigram_index, trigrams
from storage.models import Customer

SCORE_CUTOFF = 75
POSTING_BUDGET = 2000
CANDIDATES = 200
SMALL_BOOK = 500
WORD_SIMILARITY = 0.3

_FTS = table(FTS_TABLE, sql_column("rowid"))
_TERMS = table(FTS_TERMS, sql_column("term"), sql_column("doc"))


def similar_customers(session: Session, *, visible: ColumnElement[bool], key: str, limit: int) -> list[Customer]:
    """Up to `limit` customers matching `visible` whose name (or pinyin) is most like the name key `key`."""
    pinyin = _typed_pinyin(key)
    rows = _candidates(session, visible, key, [Customer.id, Customer.name_key,
                                               *([Customer.pinyin_full] if pinyin else [])], pinyin)
    ids = rank_similar(key, sorted(rows, key=lambda row: row[0]), limit=limit, pinyin=pinyin)  # ties: older first
    if not ids:
        return []
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [customers[cid] for cid in ids if cid in customers]


def _candidates(session: Session, visible: ColumnElement[bool], key: str, columns: list, pinyin: bool) -> list:
    """(id, name_key[, pinyin_full]) of the visible customers worth scoring against `key`."""
    index = trigram_index(session.connection()) if len(key) >= 3 else None
    if index == "pg_trgm":
        return list(session.execute(_pg_trgm_candidates(session, key, columns, pinyin).where(visible)))
    everyone = select(*columns).where(visible)
    if index is None:
        return list(session.execute(everyone))
    # FTS5 hands over ids that are then looked up one by one across the tenant (~1 µs each); a rep's own few
    # hundred customers are cheaper to read whole, through the owner index, as before the index existed.
    small_book = session.execute(everyone.limit(SMALL_BOOK + 1)).all()
    if len(small_book) <= SMALL_BOOK:
        return small_book
    chosen = _selective_trigrams(session, key)
    if not chosen:
        return []  # no trigram of the query occurs anywhere: nothing shares one with it
    return list(session.execute(everyone.where(Customer.id.in_(_fts5_rowids(chosen)))))


def rank_similar(key: str, rows: Sequence[Sequence], *, limit: int, pinyin: bool = False) -> list[int]:
    """Ids of the `rows` (id, name_key[, pinyin_full]) most like `key`, best first, scoring at least 75.

    rapidfuzz ``WRatio`` against the name key, and with `pinyin` also against the pinyin (the better of the
    two counts). Equal scores keep the rows' order.
    """
    scores: dict[int, float] = {}
    for position in (1, 2) if pinyin else (1,):
        choices = [row[position] for row in rows]
        # A list, not a dict: rapidfuzz scores a plain sequence about 3x faster (measured on 15k names).
        for _, score, index in process.extract(key, choices, scorer=fuzz.WRatio, limit=None,
                                               score_cutoff=SCORE_CUTOFF):
            scores[index] = max(score, scores.get(index, 0.0))
    best = sorted(scores, key=lambda index: (-scores[index], index))[:limit]
    return [rows[index][0] for index in best]


def _typed_pinyin(key: str) -> bool:
    """A Latin-letter key of trigram length may be pinyin typed for a Chinese name."""
    return len(key) >= 3 and key.isascii()


def _selective_trigrams(session: Session, key: str) -> list[str]:
    """The query's trigrams held by the fewest customers, rarest first, within the posting budget.

    The rarest one is always taken, even above the budget (a three-letter query has only one); then
    :func:`_fts5_rowids` caps what it reads.
    """
    counts = dict(session.execute(select(_TERMS.c.term, _TERMS.c.doc).where(_TERMS.c.term.in_(trigrams(key)))).all())
    chosen: list[str] = []
    total = 0
    for term in sorted((t for t, n in counts.items() if n), key=lambda t: (counts[t], t)):
        if chosen and total + counts[term] > POSTING_BUDGET:
            break
        chosen.append(term)
        total += counts[term]
    return chosen


def _fts5_rowids(chosen: list[str]):
    """Ids of the customers holding any `chosen` trigram, newest first, at most the posting budget."""
    match = literal_column(FTS_TABLE).op("MATCH")(fts5_any(chosen))
    return select(_FTS.c.rowid).where(match).order_by(_FTS.c.rowid.desc()).limit(POSTING_BUDGET)


def _pg_trgm_candidates(session: Session, key: str, columns: list, pinyin: bool):
    """The customers whose name key (or, for typed pinyin, pinyin) best contains `key`, by word similarity."""
    # Transaction-local: pg_trgm's default (0.6) would miss a one-letter typo in a short name.
    session.execute(select(func.set_config("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY), True)))
    query = literal(key, String)
    matches = query.op("<%")(Customer.name_key)
    similarity = func.word_similarity(query, Customer.name_key)
    if pinyin:
        matches = or_(matches, query.op("<%")(Customer.pinyin_full))
        similarity = func.greatest(similarity, func.word_similarity(query, Customer.pinyin_full))
    return select(*columns).where(matches).order_by(similarity.desc(), Customer.id).limit(CANDIDATES)
