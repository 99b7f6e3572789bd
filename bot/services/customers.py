"""Finding customers: search ranking, reference resolution, and duplicate detection.

All lookups are indexed and restricted to what the asking user may see; a customer outside their reach
behaves exactly like one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, literal, or_, union_all
from sqlmodel import Session, select

from bot.access import can_see, visible_customers
from bot.commands.fields import CHOICE_WORDS
from bot.errors import UserError
from bot.services.fuzzy_search import similar_customers
from bot.services.trigram_lookup import VisibleBook
from bot.text.identity import (
    fold_chinese,
    is_probable_duplicate_name,
    looks_like_phone,
    name_key,
    normalize_email,
    normalize_phone,
    pinyin_full,
    pinyin_keys,
)
from bot.text.normalize import normalize_text
from bot.text.words import Word
from storage.models import Contact, Customer, User

_ID_REF = re.compile(r"^#(\d{1,12})$")
_HIGH = "\U0010ffff"  # upper bound for prefix ranges that an index can serve (LIKE 'x%' cannot)
MAX_NAME_WORDS = 5


@dataclass(frozen=True)
class SearchKeys:
    """The normalised columns that make a customer findable."""

    name_key: str
    pinyin_full: str
    pinyin_initials: str


def search_keys(name: str, *, person: bool = False) -> SearchKeys:
    """Compute the stored search keys for a customer name; a ``person`` (kind ``person``) is keyed with the
    surname reading of the first character (曾 zeng, 单 shan, 解 xie …)."""
    return SearchKeys(name_key(name), *pinyin_keys(name, person=person))


def _prefix(column, value: str):
    return (column >= value) & (column < value + _HIGH)


def _same_reading(pinyin: str):
    """Customers whose everyday pinyin reading is that of `pinyin` (the stored key's first spelling)."""
    everyday = pinyin.partition(" ")[0]
    return (Customer.pinyin_full == everyday) | _prefix(Customer.pinyin_full, everyday + " ")


# Marks a pass that stopped at the page while more may match (counted as "at least this many").
MORE_BEYOND = -1


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: its customers, and how many matched in all (counted up to a limit)."""

    customers: list[Customer]
    total: int
    capped: bool  # at least `total` matched (the count limit was reached, or a pass stopped at the page)


def search_page(session: Session, *, user: User, query: str, page_size: int = 10, page: int = 1,
                count_limit: int = 100) -> SearchPage:
    """Page `page` of `search_customers` and the number of matches, counted up to `count_limit`.

    The count rides on the search's own statements (a window count over the index look-ups, each allowed up to
    `count_limit` ids while only the page is read into objects), so asking for it costs no extra round trip.
    """
    end = page * page_size
    counted: list[int] = []
    found = search_customers(session, user=user, query=query, limit=end, count_limit=count_limit, counted=counted)
    beyond = MORE_BEYOND in counted
    total = max(len(found), sum(c for c in counted if c != MORE_BEYOND))
    capped = total >= count_limit or beyond
    return SearchPage(customers=found[end - page_size : end], total=min(total, count_limit), capped=capped)


def search_customers(session: Session, *, user: User, query: str, limit: int = 10, count_limit: int = 0,
                     counted: list[int] | None = None) -> list[Customer]:
    """Visible customers matching `query`, best first.

    With `count_limit`, `counted` receives how many customers each pass matched beyond those returned (each
    look-up counted up to `count_limit`), for `search_page`.

    Order: ``#id``; exact phone / email (also a contact's); exact name; pinyin initials; name, pinyin and
    name-key prefixes; tags; substring; a contact's name, the region (exact, then prefix); the tier
    (``vip``, ``重点``); and, only when nothing else matched, fuzzy similarity.

    The indexed look-ups come first; the tag / substring pass, the dearest, runs only while they have not
    filled the page (its ranks could not make the cut anyway). A visible ``#id``, phone or email match is the
    answer on its own.
    """
    q = query.strip()
    if not q:
        return []
    visible = visible_customers(session, user)
    book = VisibleBook(session, visible, tenant=user.tenant)

    def lookup(*ranked_conditions: tuple[int, ColumnElement[bool]]) -> dict[int, tuple[int, Customer]]:
        ranked, total = _matches(session, visible=visible, ranked_conditions=ranked_conditions, limit=limit,
                                 count_limit=count_limit)
        if counted is not None:
            counted[:] = [total]
        return ranked

    if (match := _ID_REF.match(q)) and (ranked := lookup((0, Customer.id == int(match[1])))):
        return _best(ranked, limit)
    identities: list[tuple[int, ColumnElement[bool]]] = []
    if looks_like_phone(q) and (phone := normalize_phone(q)):
        identities += [(1, Customer.phone == phone), (1, Customer.id.in_(_contact_customers(Contact.phone == phone)))]
    if "@" in q and (email := normalize_email(q)):
        identities += [(1, Customer.email == email), (1, Customer.id.in_(_contact_customers(Contact.email == email)))]
    if identities and (ranked := lookup(*identities)):
        return _best(ranked, limit)  # a phone or email that matches is an identity, not a word to look for in names
    key = name_key(q)
    lowered = pinyin_query(q)
    names: list[tuple[int, ColumnElement[bool]]] = [(2, Customer.name == q), (5, _prefix(Customer.name, q))]
    if key:
        names += [(3, Customer.name_key == key), (6, _prefix(Customer.name_key, key))]
    if lowered.isascii() and lowered.isalnum():
        names += [(4, Customer.pinyin_initials == lowered), (6, _prefix(Customer.pinyin_initials, lowered)),
                  (6, _prefix(Customer.pinyin_full, lowered))]
    ranked = lookup(*names, *_beyond_names(q))
    if sum(1 for rank, _ in ranked.values() if rank < _TAG_RANK) < limit:
        inside = _in_tags_or_names(book, query=q, limit=limit)
        if counted is not None and len(inside) >= limit:
            # This pass reads no further than the page: more may hold the query inside their names or tags.
            counted.append(MORE_BEYOND)
        for customer, rank in inside:
            if customer.id not in ranked and counted is not None:
                counted.append(1)
            if customer.id not in ranked or ranked[customer.id][0] > rank:
                ranked[customer.id] = (rank, customer)
    if not ranked and len(key) >= 2:
        for customer in similar_customers(book, key=key, typed=q, limit=limit):
            ranked[customer.id] = (12, customer)
    if not ranked and key and not key.isascii() and len(sound := pinyin_full(key)) >= 4:
        # A homophone typo (深证 for 深圳): the same or nearly the same sound, written otherwise.
        for customer in similar_customers(book, key=sound, typed=sound, limit=limit):
            ranked[customer.id] = (12, customer)
    if lowered.isascii() and lowered.isalnum():
        ranked = {cid: (_pinyin_rank(rank, customer, lowered), customer) for cid, (rank, customer) in ranked.items()}
    return _best(ranked, limit)


_TAG_RANK = 7  # tags 7, a name containing the query 8: the pass that runs only while the page is not full


def _beyond_names(q: str) -> list[tuple[int, ColumnElement[bool]]]:
    """Index look-ups ranked after every name match: a contact's name, the region, the tier (``find vip``)."""
    found: list[tuple[int, ColumnElement[bool]]] = [
        (9, Customer.id.in_(_contact_customers(Contact.name == q))),
        (9, Customer.region == q),
    ]
    if len(q) >= 2:
        found += [(10, Customer.id.in_(_contact_customers(_prefix(Contact.name, q)))),
                  (10, _prefix(Customer.region, q))]
    if tier := CHOICE_WORDS["tier"].get(q.lower()):
        found.append((11, Customer.tier == tier))
    return found


def pinyin_query(query: str) -> str:
    """A query as it is compared with the stored pinyin keys: lower-case, no spaces, ``ü`` typed as ``v``."""
    return query.strip().lower().replace(" ", "").replace("ü", "v").replace("u:", "v")


def _pinyin_rank(rank: int, customer: Customer, typed: str) -> int:
    """Rank a match by the best of its pinyin spellings too: every reading of a polyphonic name counts as
    the everyday one (exact initials or spelling 4, a prefix of one 6, inside one 8)."""
    spellings = (customer.pinyin_full or "").split()
    if rank > 4 and (typed in spellings or typed == customer.pinyin_initials):
        return 4
    if rank > 6 and any(spelling.startswith(typed) for spelling in spellings):
        return 6
    if rank > 8 and any(typed in spelling for spelling in spellings):
        return 8
    return rank


def _matches(session: Session, *, visible: ColumnElement[bool],
             ranked_conditions: Sequence[tuple[int, ColumnElement[bool]]], limit: int,
             count_limit: int = 0) -> tuple[dict[int, tuple[int, Customer]], int]:
    """The first `limit` visible customers of each (rank, condition), by id, each with the best rank it earned,
    and how many distinct customers the look-ups matched.

    One statement for all of them (a UNION ALL of index look-ups): each round trip through the ORM costs about
    0.3 ms, more than the look-up itself. With `count_limit` above `limit`, each look-up may read that many ids
    and a window count says how many there were, while only the best `limit` are read into objects.
    """
    per_branch = max(limit, count_limit)
    branches = [select(Customer.id.label("id"), literal(rank).label("rank")).where(condition, visible)
                .limit(per_branch).subquery() for rank, condition in ranked_conditions]
    found = union_all(*(select(branch.c.id, branch.c.rank) for branch in branches)).subquery()
    if per_branch == limit:
        best = func.min(found.c.rank)
        statement = select(Customer, best).join(found, found.c.id == Customer.id).group_by(Customer.id)
        rows = session.exec(statement).all()
        return {customer.id: (rank, customer) for customer, rank in rows}, len(rows)
    grouped = select(found.c.id, func.min(found.c.rank).label("rank"), func.count().over().label("total")) \
        .group_by(found.c.id).subquery()
    page = (select(Customer, grouped.c.rank, grouped.c.total).join(grouped, grouped.c.id == Customer.id)
            .order_by(grouped.c.rank, Customer.name_key, Customer.id).limit(limit))
    counted = session.exec(page).all()
    total = counted[0][2] if counted else 0
    return {customer.id: (rank, customer) for customer, rank, _ in counted}, total


def _tagged(session: Session, query: str) -> ColumnElement[bool]:
    """Customers tagged ``query`` whatever its case: imported tags keep the case they were written in.

    SQLite's LIKE already ignores ASCII case (and CJK has none); PostgreSQL's ILIKE does, and its trigram
    index on ``tags`` serves ILIKE as it serves LIKE."""
    if session.get_bind().dialect.name == "postgresql":
        escaped = query.replace("/", "//").replace("%", "/%").replace("_", "/_")
        return Customer.tags.ilike(f"%,{escaped},%", escape="/")
    return Customer.tags.contains(f",{query},", autoescape=True)


def _in_tags_or_names(book: VisibleBook, *, query: str, limit: int) -> list[tuple[Customer, int]]:
    """Visible customers tagged `query` (rank 7) or, for two characters or more, with it in their name (rank 8).

    Names and tags match regardless of case (imported tags keep the case they were written in); ``%`` and ``_``
    are the user's characters, not wildcards. Where the trigram index can say which customers may match, only
    those are read; a query of two characters asks the name-bigram table instead. Otherwise the visible
    customers are scanned.
    """
    in_names = len(query) >= 2
    tagged = _tagged(book.session, query)
    in_name = Customer.name.icontains(query, autoescape=True)
    if len(query) == 2 and book.with_bigram(select(Customer), query) is not None:
        return _short_in_tags_or_names(book, tagged=tagged, in_name=in_name, query=query, limit=limit)
    rank = case((tagged, 7), else_=8)
    found = or_(tagged, in_name) if in_names else tagged
    folded = fold_chinese(query)
    if in_names and folded != query:  # 廣州 finds 广州贸易
        found = or_(found, Customer.name.icontains(folded, autoescape=True))
    statement = select(Customer, rank).where(book.visible, found).order_by(rank).limit(limit)
    candidates = book.substring_candidates(query, in_names=in_names, condition=found)
    if candidates is not None and folded != query:
        other = book.substring_candidates(folded, in_names=in_names, condition=found)
        candidates = None if other is None else or_(candidates, other)
    if candidates is not None:
        statement = statement.where(candidates)
    matches = list(book.session.exec(statement).all())
    typed = pinyin_query(query)
    if not matches and typed.isascii() and typed.isalnum() and len(typed) >= 3:  # one statement more, only then
        seen = {customer.id for customer, _ in matches}
        matches += [(c, 8) for c in _pinyin_inside(book, typed, limit) if c.id not in seen]
    return matches


def _pinyin_inside(book: VisibleBook, typed: str, limit: int) -> list[Customer]:
    """Visible customers with `typed` inside their everyday pinyin spelling (``yinhang`` for 中国银行), asked on
    its own so that each statement keeps the one trigram index that serves it.

    The other readings of polyphonic characters count for initials and prefixes (``zeng`` for 曾, ``chongqing``
    or ``zhongqing``), not inside a name: ``zhijia`` is 海尔智家, not 区志强 read ``qu zhi jiang``."""
    inside = Customer.pinyin_full.contains(typed, autoescape=True)
    statement = select(Customer).where(book.visible, inside).order_by(Customer.id).limit(limit)
    candidates = book.substring_candidates(typed, in_names=True, condition=inside)
    if candidates is not None:
        statement = statement.where(candidates)
    return [c for c in book.session.exec(statement).all() if _inside_everyday_or_a_prefix(c, typed)]


def _inside_everyday_or_a_prefix(customer: Customer, typed: str) -> bool:
    spellings = (customer.pinyin_full or "").split()
    return bool(spellings) and (typed in spellings[0] or any(s.startswith(typed) for s in spellings))


def _short_in_tags_or_names(book: VisibleBook, *, tagged: ColumnElement[bool], in_name: ColumnElement[bool],
                            query: str, limit: int) -> list[tuple[Customer, int]]:
    """The tagged customers first, then names holding the two characters, each read through its index and
    each stopping at the page's end (no ordering over every holder: a piece like 公司 is in half the names)."""
    tags = select(Customer).where(book.visible, tagged).limit(limit)
    if (candidates := book.substring_candidates(query, in_names=False, condition=tagged)) is not None:
        tags = tags.where(candidates)
    found = [(customer, 7) for customer in book.session.exec(tags).all()]
    if len(found) < limit:
        names = book.with_bigram(select(Customer).where(book.visible, in_name, ~tagged), query)
        found += [(customer, 8) for customer in book.session.exec(names.limit(limit - len(found))).all()]
    return found


def _best(ranked: dict[int, tuple[int, Customer]], limit: int) -> list[Customer]:
    ordered = sorted(ranked.values(), key=lambda rc: (rc[0], rc[1].name_key, rc[1].id))
    return [customer for _, customer in ordered[:limit]]


def _contact_customers(condition):
    """Ids of customers with a (live) contact matching `condition`: driven by the contact's index."""
    return select(Contact.customer_id).where(condition, Contact.deleted_at.is_(None))


def resolve_customer(
    session: Session,
    *,
    user: User,
    words: Sequence[Word],
    followed_by_text: bool = False,
    include_deleted: bool = False,
) -> tuple[Customer, int]:
    """The one customer a reference names, and how many words the reference used.

    A quoted word, ``#id``, a phone or an email is one word. Otherwise, when text follows, the longest
    run of words that is exactly a visible customer's name wins ("Acme Trading called them" → "Acme
    Trading"). Raises UserError ``customer_not_found`` or ``customer_ambiguous`` (with candidates).
    """
    first = words[0]
    if not first.quoted and not include_deleted and followed_by_text and not _ID_REF.match(first.text):
        longest = _longest_exact_name(session, user=user, words=words)
        if longest is not None:
            return longest
    ref = first.text
    if include_deleted:
        return _resolve_deleted(session, user=user, ref=ref), 1
    if not followed_by_text and not first.quoted and len(words) > 1:
        ref = " ".join(w.text for w in words)
    candidates = _candidates(session, user=user, ref=ref)
    if not candidates:
        raise UserError("customer_not_found", ref=ref)
    if len(candidates) > 1:
        raise UserError("customer_ambiguous", ref=ref, candidates=candidates[:8])
    used = 1 if (followed_by_text or first.quoted or len(words) == 1) else len(words)
    return candidates[0], used


def _longest_exact_name(session: Session, *, user: User, words: Sequence[Word]) -> tuple[Customer, int] | None:
    """The longest run of two or more leading words that is exactly one visible customer's name, and its length.

    Every run is asked in one statement (``name IN (…)``, a round trip instead of one per run).
    """
    runs: dict[str, int] = {}
    for count in range(min(len(words), MAX_NAME_WORDS), 1, -1):
        if not any(w.quoted for w in words[:count]):
            runs[" ".join(w.text for w in words[:count])] = count
    if not runs:
        return None
    statement = (select(Customer).where(visible_customers(session, user), Customer.name.in_(list(runs)))
                 .limit(50))  # a name held by two is ambiguous; 50 leaves room for every run
    by_name: dict[str, list[Customer]] = {}
    for customer in session.exec(statement).all():
        by_name.setdefault(customer.name, []).append(customer)
    for name, count in runs.items():  # longest first
        if len(by_name.get(name, ())) == 1:
            return by_name[name][0], count
    return None


def _candidates(session: Session, *, user: User, ref: str) -> list[Customer]:
    """Customers a reference could mean: a definite hit (id, phone, exact name) wins outright."""
    found = search_customers(session, user=user, query=ref, limit=9)
    if not found:
        return []
    definite = [c for c in found if _is_definite(c, ref)]
    if len(definite) == 1:
        return definite
    return definite or found


def _is_definite(customer: Customer, ref: str) -> bool:
    if (m := _ID_REF.match(ref)) and customer.id == int(m[1]):
        return True
    if customer.name == ref or (customer.name_key and customer.name_key == name_key(ref)):
        return True
    if looks_like_phone(ref) and customer.phone and customer.phone == normalize_phone(ref):
        return True
    lowered = ref.lower()
    return bool(lowered.isascii() and customer.pinyin_initials == lowered)


def _resolve_deleted(session: Session, *, user: User, ref: str) -> Customer:
    """For `restore`: deleted customers the user could see, by #id or exact name."""
    statement = select(Customer).where(Customer.tenant == user.tenant, Customer.deleted_at.is_not(None))
    if m := _ID_REF.match(ref):
        statement = statement.where(Customer.id == int(m[1]))
    else:
        statement = statement.where(or_(Customer.name == ref, Customer.name_key == name_key(ref)))
    matches = [c for c in session.exec(statement.limit(9)).all() if can_see(session, user, c)]
    if not matches:
        raise UserError("customer_not_found", ref=ref)
    if len(matches) > 1:
        raise UserError("customer_ambiguous", ref=ref, candidates=matches)
    return matches[0]


@dataclass(frozen=True)
class Duplicate:
    """A likely duplicate of a new customer: why, and whether the asker may see it."""

    customer: Customer
    reason: str  # "phone" | "email" | "name" (the same name) | "similar_name" (legal form, spelling, sound)
    visible: bool


def find_duplicates(
    session: Session,
    *,
    user: User,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    exclude_id: int | None = None,
) -> list[Duplicate]:
    """Existing customers of the tenant that probably are the same as (name, phone, email).

    Phone and email must be equal after normalisation; names are compared after dropping company
    suffixes, also by pinyin (同音). Customers the user cannot see are reported without details.
    """
    base = [Customer.tenant == user.tenant, Customer.deleted_at.is_(None)]
    if exclude_id is not None:
        base.append(Customer.id != exclude_id)
    found: dict[int, Duplicate] = {}

    def add(customers: Sequence[Customer], reason: str) -> None:
        for customer in customers:
            if customer.id not in found:
                found[customer.id] = Duplicate(customer, reason, can_see(session, user, customer))

    if phone:
        add(session.exec(select(Customer).where(*base, Customer.phone == phone).limit(5)).all(), "phone")
    if email:
        add(session.exec(select(Customer).where(*base, Customer.email == email).limit(5)).all(), "email")
    keys = search_keys(name)
    similar = select(Customer).where(
        *base,
        or_(
            Customer.name_key == keys.name_key,
            _same_reading(keys.pinyin_full) if keys.pinyin_full else False,
            _prefix(Customer.name_key, keys.name_key[:2]) if len(keys.name_key) >= 2 else False,
        ),
    ).limit(50)
    typed = _same_name_form(name)
    for candidate in session.exec(similar).all():
        if is_probable_duplicate_name(name, candidate.name):
            add([candidate], "name" if _same_name_form(candidate.name) == typed else "similar_name")
    # Names alone do not reveal another rep's customer: only phone/email hits are reported unseen.
    return [d for d in found.values() if d.visible or d.reason not in ("name", "similar_name")]


def _same_name_form(name: str) -> str:
    """A name as compared for "same name": case, width and spacing aside, exactly what was typed."""
    return " ".join(normalize_text(name).casefold().split())


def count_visible(session: Session, *, user: User) -> int:
    """How many customers the user can see (for help and reports)."""
    return session.exec(select(func.count()).select_from(Customer).where(visible_customers(session, user))).one()
