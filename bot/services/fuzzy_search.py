"""Fuzzy customer search, the last resort of ``search_customers``: names a typo away from the query.

Two steps. A trigram index (``storage.fuzzy_index``) picks candidates among the visible customers, then
rapidfuzz ranks them exactly as the search always has (``WRatio`` ≥ 75 on the name key), so the index only
decides which rows are read, never what counts as similar. A query typed in Latin letters is also compared
with each candidate's pinyin, so ``beijnig huawie`` finds 北京华为.

Candidates by backend:

- SQLite (FTS5 trigram over names and pinyin, read through ``bot.services.trigram_lookup``): the trigrams of
  the query's key and of the query as typed that occur in the fewest customers, added rarest first while their
  customer counts (fts5vocab) stay within :data:`POSTING_BUDGET`, matched with OR. A near miss shares most
  trigrams with the query, so it holds at least one of the selective ones; every candidate is scored, which
  costs less than letting FTS5 rank them (bm25 took ~2.8 µs per matching row: 130 ms for a pinyin query
  matching 48,000 customers, where common trigrams such as ``ang`` match nearly every Chinese name). A user who sees at most :data:`SMALL_BOOK`
  customers (a rep's own book) has them all read instead: cheaper than looking the index's candidates up
  across the tenant, and nothing can be missed.
- PostgreSQL (pg_trgm): ``query <% column`` (word similarity, so a query may be part of a longer name) at a
  threshold of :data:`WORD_SIMILARITY`, the tenant's best :data:`CANDIDATES` by word similarity, of which the
  visible ones are scored. Small books are read whole here too.

Without an index (see ``storage.fuzzy_index``) every visible customer is a candidate, as before the index
existed. A key shorter than a trigram (two characters: 王芳, 上海) is scored against a small book only: a
one-character slip of two characters leaves one in common, which picks out nothing in a large one, and
reading everyone a manager or an admin sees to score it cost 0.2–0.6 s at 60,000 customers. Known gap of any trigram index: a name whose every trigram the
typo changed, e.g. two swapped characters in the middle of a short Chinese name (沈阳绿腾 for 沈阳腾绿), is
no candidate, although ``WRatio`` would have accepted it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Select, String, func, literal, select, union_all
from sqlmodel import Session

from bot.services.trigram_lookup import VisibleBook, among, fts5_rowids
from storage.models import Customer

SCORE_CUTOFF = 75
# Measured on the benchmark's 60,000 customers, 220 one-character typos searched by a manager: at 1,000 every
# target was found, as at 2,000, in half the time (the extra candidates were weaker matches).
POSTING_BUDGET = 1000
CANDIDATES = 1000
SMALL_BOOK = 500
WORD_SIMILARITY = 0.3
SHORT_KEY = 6
# Keys longer than SHORT_KEY: 143 one-character typos of a manager's customers (PostgreSQL benchmark data) were all
# found at 0.4, as at 0.3, in 8 ms instead of 12; 0.5 lost three.
LONG_KEY_WORD_SIMILARITY = 0.4


def similar_customers(book: VisibleBook, *, key: str, typed: str, limit: int) -> list[Customer]:
    """Up to `limit` customers of `book` whose name (or pinyin) is most like the name key `key` of the query
    `typed`."""
    pinyin = _typed_pinyin(key)
    rows = _candidates(book, key, typed, [Customer.id, Customer.name_key,
                                          *([Customer.pinyin_full] if pinyin else [])], pinyin)
    ids = rank_similar(key, sorted(rows, key=lambda row: row[0]), limit=limit, pinyin=pinyin)  # ties: older first
    if not ids:
        return []
    customers = {c.id: c for c in book.session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [customers[cid] for cid in ids if cid in customers]


def _candidates(book: VisibleBook, key: str, typed: str, columns: list, pinyin: bool) -> list:
    """(id, name_key[, pinyin_full]) of the visible customers worth scoring against `key`."""
    session = book.session
    index = book.index if len(key) >= 3 else None
    everyone = select(*columns).where(book.visible)
    # The index hands over customers of the whole tenant, each then looked up and checked for visibility; a
    # rep's own few hundred customers are cheaper to read whole, through the owner index, and nothing can be
    # missed.
    if len(key) < 3 and not book.has_at_most(SMALL_BOOK):
        return []
    if index is None:
        return list(session.execute(everyone))
    if (whole := book.read_if_small(everyone, SMALL_BOOK)) is not None:
        return whole
    if index == "pg_trgm":
        # The ids first, then the visible ones among them by primary key: asked as one statement, the planner
        # reads the manager's whole book to join it with the candidates.
        ids = session.scalars(_pg_trgm_candidates(session, key, pinyin, tenant=book.tenant)).all()
        return list(session.execute(everyone.where(among(ids)))) if ids else []
    # The index holds names as written (case folded): the key's trigrams, and the query's own for those that
    # span a space or a dash the key dropped (``acme tradnig`` → ``e t``).
    chosen = book.selective_trigrams(key, typed.casefold(), budget=POSTING_BUDGET)
    return list(session.execute(everyone.where(Customer.id.in_(fts5_rowids(chosen, limit=POSTING_BUDGET)))))


def rank_similar(key: str, rows: Sequence[Sequence], *, limit: int, pinyin: bool = False) -> list[int]:
    """Ids of the `rows` (id, name_key[, pinyin_full]) most like `key`, best first, scoring at least 75.

    rapidfuzz ``WRatio`` against the name key, and with `pinyin` also against the pinyin (the better of the
    two counts). Equal scores keep the rows' order.
    """
    scores: dict[int, float] = {}
    for position in (1, 2) if pinyin else (1,):
        # The pinyin key's first spelling is the everyday reading; the other readings would dilute the score.
        choices = [row[position] if position == 1 else row[position].partition(" ")[0] for row in rows]
        # A list, not a dict: rapidfuzz scores a plain sequence about 3x faster (measured on 15k names).
        for _, score, index in process.extract(key, choices, scorer=fuzz.WRatio, limit=None,
                                               score_cutoff=SCORE_CUTOFF):
            scores[index] = max(score, scores.get(index, 0.0))
    best = sorted(scores, key=lambda index: (-scores[index], index))[:limit]
    return [rows[index][0] for index in best]


def _typed_pinyin(key: str) -> bool:
    """A Latin-letter key of trigram length may be pinyin typed for a Chinese name."""
    return len(key) >= 3 and key.isascii()


def _pg_trgm_candidates(session: Session, key: str, pinyin: bool, *, tenant: str):
    """The tenant's customers whose name key (or, for typed pinyin, pinyin) best contains `key`, best first.

    Asked apart from the visibility test: together, the planner reads a manager's 15,000 customers and computes
    the similarity of each (54 ms measured) instead of taking the few hundred the trigram index offers.
    """
    # Transaction-local: pg_trgm's default (0.6) would miss a one-letter typo in a short name. A long key keeps
    # more of its trigrams through a typo, so it can ask for more of them in common and leave fewer candidates.
    threshold = WORD_SIMILARITY if len(key) <= SHORT_KEY else LONG_KEY_WORD_SIMILARITY
    session.execute(select(func.set_config("pg_trgm.word_similarity_threshold", str(threshold), True)))
    query = literal(key, String)

    def best(column: Any) -> Select[Any]:
        similarity = func.word_similarity(query, column)
        return (select(Customer.id.label("id"), similarity.label("score"))
                .where(Customer.tenant == tenant, query.op("<%")(column))
                .order_by(similarity.desc(), Customer.id).limit(CANDIDATES))

    if not pinyin:
        return select(best(Customer.name_key).subquery().c.id)
    # Each column through its own trigram index: asked as one OR, the planner reads the tenant's rows instead
    # (the pinyin key holds every reading of a name, which makes its trigram statistics look unselective).
    both = union_all(best(Customer.name_key), best(Customer.pinyin_full)).subquery()
    return (select(both.c.id).group_by(both.c.id)
            .order_by(func.max(both.c.score).desc(), both.c.id).limit(CANDIDATES))
