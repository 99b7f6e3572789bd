"""Likely duplicate customers (查重): pairs in a scope, best first, and the weekly scan for the digest.

Five signals, strongest first: the same phone or e-mail (stored normalised), the same name once company
suffixes are dropped (`name_key`), the same everyday pinyin reading (同音), and a fuzzy name
(`name_similarity`, typos and legal forms). The exact signals are GROUP BY queries over the scope; the
readings are grouped from the names read for the fuzzy pass, which compares names within
blocks of the same first character of their key (rapidfuzz, in C), in scopes of at most `FUZZY_LIMIT`
customers, so a rep's or a team's book is compared whole and a tenant of 60,000 still answers quickly.

In a pair, the customer created first is the one kept (its id is lower); `merge` lets the user choose.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.text.identity import name_similarity
from storage.models import Customer, DuplicatePair, JobRun

FUZZY_LIMIT = 5000
_SIGNALS = (("phone", 100), ("email", 100), ("name_key", 95))  # exact columns; pinyin: see `_same_reading`
REASONS = ("phone", "email", "name", "pinyin", "similar_name")


@dataclass(frozen=True)
class Pair:
    """Two customers that are probably one: `keep_id` (older) and `drop_id`, why, and how sure (0–100)."""

    keep_id: int
    drop_id: int
    reason: str
    score: int


def _reason(column: str) -> str:
    return {"name_key": "name", "pinyin_full": "pinyin"}.get(column, column)


def likely_pairs(session: Session, scope: ColumnElement[bool], *, limit: int | None = 20) -> list[Pair]:
    """The likely duplicate pairs among the customers `scope` selects (a `visible_customers` clause), best first."""
    found: dict[tuple[int, int], Pair] = {}

    def add(a: int, b: int, reason: str, score: int) -> None:
        key = (min(a, b), max(a, b))
        if key[0] != key[1] and (key not in found or found[key].score < score):
            found[key] = Pair(key[0], key[1], reason, score)

    for column_name, score in _SIGNALS:
        column = getattr(Customer, column_name)
        groups = session.exec(
            select(column, func.min(Customer.id), func.max(Customer.id))
            .where(scope, column.is_not(None), column != "")
            .group_by(column).having(func.count() > 1)
        ).all()
        for _value, low, high in groups:
            add(low, high, _reason(column_name), score)
    rows = session.exec(select(Customer.id, Customer.name, Customer.name_key, Customer.pinyin_full).where(scope)
                        .order_by(Customer.id).limit(FUZZY_LIMIT + 1)).all()
    if len(rows) <= FUZZY_LIMIT:
        for a, b in _same_reading(rows):
            add(a, b, "pinyin", 90)
        for a, b, score in _fuzzy([(i, name, key) for i, name, key, _ in rows]):
            add(a, b, "similar_name", score)
    pairs = sorted(found.values(), key=lambda p: (-p.score, p.keep_id, p.drop_id))
    return pairs if limit is None else pairs[:limit]


def _same_reading(rows: Any) -> list[tuple[int, int]]:
    """Pairs of Chinese names read alike (同音): the everyday reading, the first of the stored pinyin."""
    by_reading: dict[str, list[int]] = defaultdict(list)
    for customer_id, name, _key, pinyin in rows:
        if pinyin and any("\u3400" <= char <= "\u9fff" for char in name):
            by_reading[pinyin.split()[0]].append(customer_id)
    return [(ids[0], other) for ids in by_reading.values() for other in ids[1:]]


def _fuzzy(rows: Any) -> list[tuple[int, int, int]]:
    """Pairs of similar names within blocks that share the first character of the key."""
    blocks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for customer_id, name, key in rows:
        if key:
            blocks[key[0]].append((customer_id, name, key))
    out = []
    for members in blocks.values():
        if len(members) < 2:
            continue
        keys = [key for _, _, key in members]
        for i, key in enumerate(keys[:-1]):
            # One C loop per name over the rest of its block (no matrix: no numpy needed).
            for _choice, _rough, j in process.extract(key, keys[i + 1:], scorer=fuzz.ratio, score_cutoff=70,
                                                      limit=None):
                other = members[i + 1 + j]
                score = name_similarity(members[i][1], other[1])
                if score >= 85:
                    out.append((members[i][0], other[0], int(min(score, 89))))
    return out


# -- the weekly scan -------------------------------------------------------------------------------------------

SCAN_JOB = "duplicate_scan"


def week_of(moment: datetime) -> str:
    """``2026-W47``: the ISO week a scan belongs to."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def scan_week(session_factory: Any, *, now: datetime, tenants_and_teams: list[tuple[str, int | None]]) -> int:
    """Find this week's likely duplicates per team and record the new ones; returns how many are new.

    Runs once per ISO week whatever the number of replicas: the pairs are read first (no write lock held), then
    the week is claimed and the pairs inserted in one transaction, so a second process claims nothing and
    writes nothing. A pair found in an earlier week is not new again.
    """
    found: list[tuple[str, Pair]] = []
    with session_factory(write=False) as session:
        if session.get(JobRun, (SCAN_JOB, week_of(now))) is not None:
            return 0
        for tenant, team_id in tenants_and_teams:
            scope = (Customer.tenant == tenant) & Customer.deleted_at.is_(None) & (
                Customer.team_id == team_id if team_id is not None else Customer.team_id.is_(None))
            found += [(tenant, pair) for pair in likely_pairs(session, scope, limit=None)]
    with session_factory(write=True) as session:
        if not _claim(session, week_of(now), now):
            return 0
        return _insert_pairs(session, found, now)


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _claim(session: Session, period: str, now: datetime) -> bool:
    result = session.execute(_insert(session)(JobRun.__table__).values(name=SCAN_JOB, period=period, ran_at=now)
                             .on_conflict_do_nothing().execution_options(preserve_rowcount=True))
    return (result.rowcount or 0) == 1


def _insert_pairs(session: Session, found: list[tuple[str, Pair]], now: datetime) -> int:
    if not found:
        return 0
    rows = [{"tenant": tenant, "low_id": p.keep_id, "high_id": p.drop_id, "reason": p.reason, "score": p.score,
             "found_at": now} for tenant, p in found]
    result = session.execute(_insert(session)(DuplicatePair.__table__).on_conflict_do_nothing()
                             .execution_options(preserve_rowcount=True), rows)
    return max(result.rowcount or 0, 0)


def new_pairs_for_digest(session: Session, scope: ColumnElement[bool], *, since: datetime,
                         limit: int) -> tuple[list[tuple[Any, ...]], int]:
    """Pairs found since `since` whose two customers are still live and in `scope` (the manager's reach):
    (keep id, keep name, drop id, drop name, reason) rows, at most `limit`, and how many there are."""
    from sqlalchemy.orm import aliased

    other = aliased(Customer, name="other")
    base = (select(DuplicatePair.low_id, Customer.name, DuplicatePair.high_id, other.name, DuplicatePair.reason)
            .join(Customer, Customer.id == DuplicatePair.low_id)
            .join(other, other.id == DuplicatePair.high_id)
            .where(DuplicatePair.found_at >= since, scope, other.deleted_at.is_(None),
                   other.tenant == Customer.tenant))
    rows = list(session.exec(base.order_by(DuplicatePair.score.desc(), DuplicatePair.low_id).limit(limit)).all())
    total = len(rows) if len(rows) < limit else session.exec(
        select(func.count()).select_from(base.subquery())).one()
    return [tuple(row) for row in rows], total
