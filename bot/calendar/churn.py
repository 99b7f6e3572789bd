"""Churn warnings from a customer's own contact rhythm: the "rhythm ratio".

    n        = distinct contact days (completed follow-ups / orders, last 730 days: the caller's query)
    gap_pop  = median of per-customer mean gap in the customer's segment (customers with n >= 3)
    gap_me   = ((last - first) + k0 * gap_pop) / (max(n - 1, 0) + k0)     shrinkage: k0 pseudo-gaps
    R        = today - last                                                silence, in days
    ratio    = R / max(gap_me, 1)
    chance   = exp(-ratio)     P(silence >= R) if gaps were exponential with mean gap_me

Levels (the worst that applies):
    watch    ratio >= 2 and R >= 30
    at_risk  ratio >= 3 and R >= 45
    lapsed   R >= 180, or ratio >= 6 and R >= 45

The reference writes the lapsed rule as "R >= 180 or ratio >= 6". We keep the recency floor on the ratio
branch ("plus a recency floor"): otherwise a customer we talk to every two days would be "lapsed"
after 12 quiet days, before even being "at risk". With the floor, lapsed-by-ratio only escalates a
customer who is already at risk.

Customers with no contact at all: if we know when the customer was created, the creation date stands in
for a first and only contact (R = days since creation, gap = gap_pop), so a lead added half a year ago
and never called shows up as lapsed instead of staying invisible. Without a creation date there is
nothing to measure and the level is None.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.calendar.lang import text_language

ChurnLevel = Literal["watch", "at_risk", "lapsed"]

DEFAULT_POPULATION_GAP_DAYS = 30.0
# The population_gaps key used for customers whose segment has no gap of its own.
ALL_SEGMENTS = "*"
# Only customers with this many contact days have a mean gap worth putting into the population median.
MIN_CONTACTS_FOR_POPULATION = 3
# Segments with fewer qualifying customers than this use the ALL_SEGMENTS median: a median of three is noise.
MIN_CUSTOMERS_PER_SEGMENT = 20

WATCH_RATIO, WATCH_MIN_SILENCE_DAYS = 2.0, 30
AT_RISK_RATIO, AT_RISK_MIN_SILENCE_DAYS = 3.0, 45
LAPSED_RATIO, LAPSED_SILENCE_DAYS = 6.0, 180


@dataclass(frozen=True, slots=True)
class ChurnAssessment:
    """How worrying a customer's silence is, with the numbers behind the one-sentence explanation.

    ``usual_gap_days`` is the shrunk personal gap (at least 1), ``ratio`` = ``silence_days / usual_gap_days``
    and ``chance`` = ``exp(-ratio)``. ``contacts == 0`` with ``silence_days > 0`` means "never contacted,
    measured from the customer's creation".
    """

    level: ChurnLevel | None
    ratio: float
    usual_gap_days: float
    silence_days: int
    contacts: int
    chance: float


def assess_churn(
    *,
    contact_days: int,
    first_contact: date | None,
    last_contact: date | None,
    today: date,
    population_gap_days: float,
    k0: float = 2.0,
    created: date | None = None,
) -> ChurnAssessment:
    """Assess one customer; ``contact_days`` counts distinct days with a contact in the window.

    ``created`` is only used when there is no contact at all (see the module docstring).
    Raises ``ValueError`` for inconsistent input (contacts without dates, first after last, k0 <= 0).
    """
    _check_parameters(population_gap_days, k0)
    if contact_days < 0:
        raise ValueError(f"contact_days must be >= 0, not {contact_days}")
    if contact_days == 0:
        if first_contact is not None or last_contact is not None:
            raise ValueError("contact dates given for a customer with no contact days")
        if created is None:
            return _unassessed(population_gap_days)
        first_contact = last_contact = created
    elif first_contact is None or last_contact is None:
        raise ValueError(f"{contact_days} contact days but no first/last contact date")
    elif first_contact > last_contact:
        raise ValueError(f"first contact {first_contact} is after last contact {last_contact}")
    return _score(
        contact_days,
        (last_contact - first_contact).days,
        # A contact dated in the future (a logged meeting, a clock in another zone) is no silence at all.
        max((today - last_contact).days, 0),
        population_gap_days,
        k0,
    )


def assess_many(
    rows: Iterable[tuple[int, int, int | None, int | None, str]],
    *,
    today: date,
    population_gaps: Mapping[str, float],
    k0: float = 2.0,
    created_ordinals: Mapping[int, int] | None = None,
) -> Iterator[tuple[int, ChurnAssessment]]:
    """Assess customers in bulk, yielding ``(customer_id, assessment)`` for every row, in order.

    Rows are ``(customer_id, contact_days, first_contact_ordinal, last_contact_ordinal, segment)`` with
    ``date.toordinal()`` ordinals, straight from one aggregate query; they are trusted, not validated.
    A segment missing from ``population_gaps`` uses its ``ALL_SEGMENTS`` entry, else 30 days.
    ``created_ordinals`` (customer_id -> creation ordinal) is consulted only for rows without contacts.
    """
    _check_parameters(DEFAULT_POPULATION_GAP_DAYS, k0)
    for gap in population_gaps.values():
        _check_parameters(gap, k0)
    today_ordinal = today.toordinal()
    fallback_gap = population_gaps.get(ALL_SEGMENTS, DEFAULT_POPULATION_GAP_DAYS)
    gap_of_segment = population_gaps.get
    created_of = created_ordinals.get if created_ordinals is not None else None
    for customer_id, contact_days, first, last, segment in rows:
        gap_pop = gap_of_segment(segment, fallback_gap)
        if not contact_days or last is None or first is None:
            created = created_of(customer_id) if created_of is not None else None
            if created is None:
                yield customer_id, _unassessed(gap_pop)
                continue
            contact_days, first, last = 0, created, created
        silence = today_ordinal - last
        yield customer_id, _score(contact_days, last - first, silence if silence > 0 else 0, gap_pop, k0)


def _score(contacts: int, span_days: int, silence_days: int, gap_pop: float, k0: float) -> ChurnAssessment:
    gaps = contacts - 1 if contacts > 1 else 0
    usual_gap = (span_days + k0 * gap_pop) / (gaps + k0)
    if usual_gap < 1.0:
        usual_gap = 1.0
    ratio = silence_days / usual_gap
    if silence_days >= LAPSED_SILENCE_DAYS or (ratio >= LAPSED_RATIO and silence_days >= AT_RISK_MIN_SILENCE_DAYS):
        level: ChurnLevel | None = "lapsed"
    elif ratio >= AT_RISK_RATIO and silence_days >= AT_RISK_MIN_SILENCE_DAYS:
        level = "at_risk"
    elif ratio >= WATCH_RATIO and silence_days >= WATCH_MIN_SILENCE_DAYS:
        level = "watch"
    else:
        level = None
    return ChurnAssessment(level, ratio, usual_gap, silence_days, contacts, math.exp(-ratio))


def _unassessed(gap_pop: float) -> ChurnAssessment:
    return ChurnAssessment(None, 0.0, max(gap_pop, 1.0), 0, 0, 1.0)


def _check_parameters(population_gap_days: float, k0: float) -> None:
    if not population_gap_days > 0:
        raise ValueError(f"population gap must be > 0 days, not {population_gap_days}")
    if not k0 > 0:
        raise ValueError(f"k0 must be > 0 (it is the number of pseudo-gaps), not {k0}")


def mean_contact_gap(contact_days: int, first_ordinal: int | None, last_ordinal: int | None) -> float | None:
    """A customer's mean gap between contact days, or ``None`` below ``MIN_CONTACTS_FOR_POPULATION`` days."""
    if contact_days < MIN_CONTACTS_FOR_POPULATION or first_ordinal is None or last_ordinal is None:
        return None
    return (last_ordinal - first_ordinal) / (contact_days - 1)


def population_gap(mean_gaps: Iterable[float]) -> float:
    """Median of per-customer mean gaps (pass only customers with >= 3 contact days; see
    ``mean_contact_gap``), or ``DEFAULT_POPULATION_GAP_DAYS`` when there are none."""
    gaps = [gap for gap in mean_gaps if gap > 0]
    return float(statistics.median(gaps)) if gaps else DEFAULT_POPULATION_GAP_DAYS


def population_gaps_by_segment(
    rows: Iterable[tuple[int, int, int | None, int | None, str]],
    *,
    min_customers: int = MIN_CUSTOMERS_PER_SEGMENT,
) -> dict[str, float]:
    """``population_gaps`` for ``assess_many`` from the same rows: one median per segment with at least
    ``min_customers`` qualifying customers, plus the overall median under ``ALL_SEGMENTS``."""
    by_segment: defaultdict[str, list[float]] = defaultdict(list)
    everyone: list[float] = []
    for _customer_id, contact_days, first, last, segment in rows:
        gap = mean_contact_gap(contact_days, first, last)
        if gap is not None:
            by_segment[segment].append(gap)
            everyone.append(gap)
    gaps = {segment: population_gap(values) for segment, values in by_segment.items()
            if len(values) >= min_customers}
    gaps[ALL_SEGMENTS] = population_gap(everyone)
    return gaps


def explain_churn(a: ChurnAssessment, *, customer: str, lang: str) -> str:
    """The sentence a rep sees, e.g. "Zhang Wei usually hears from us every ~18 days (12 contacts). It has
    been 61 days (3.4× usual); a silence this long would have about a 3% chance if the rhythm held."

    With fewer than 3 contacts the usual gap is mostly the segment's, and the sentence says so; a customer
    never contacted is described from its creation. Chances round to whole percents, "<1%" below one.
    """
    if text_language(lang) == "zh":
        return _explain_zh(a, customer)
    return _explain_en(a, customer)


def _explain_en(a: ChurnAssessment, customer: str) -> str:
    gap = round(a.usual_gap_days)
    every = "day" if gap <= 1 else f"~{gap} days"
    if a.contacts == 0:
        if a.silence_days == 0:
            return f"{customer} has no contacts on record yet."
        return (f"{customer} has not heard from us since being added {_days_en(a.silence_days)} ago; "
                f"similar customers hear from us every {every} ({_ratio(a.ratio)}× that).")
    if a.contacts < MIN_CONTACTS_FOR_POPULATION:
        rhythm = (f"{customer} has only {_count_en(a.contacts, 'contact')} on record, so we expect one "
                  f"every {every}, as for similar customers.")
    else:
        rhythm = f"{customer} usually hears from us every {every} ({_count_en(a.contacts, 'contact')})."
    silence = f"It has been {_days_en(a.silence_days)} ({_ratio(a.ratio)}× usual)"
    if a.ratio < 1:
        return f"{rhythm} {silence}."
    percent = _percent(a.chance)
    chance = "a <1% chance" if percent == "<1%" else f"about {_article_for_percent(percent)} {percent} chance"
    return f"{rhythm} {silence}; a silence this long would have {chance} if the rhythm held."


def _explain_zh(a: ChurnAssessment, customer: str) -> str:
    gap = round(a.usual_gap_days)
    if a.contacts == 0:
        if a.silence_days == 0:
            return f"{customer} 还没有联系记录。"
        return (f"{customer} 建档 {a.silence_days} 天以来还没有联系过；"
                f"同类客户大约每 {gap} 天联系一次（已是 {_ratio(a.ratio)} 倍）。")
    every = "几乎每天都有联系" if gap <= 1 else f"大约每 {gap} 天联系一次"
    if a.contacts < MIN_CONTACTS_FOR_POPULATION:
        rhythm = f"{customer} 只有 {a.contacts} 次联系记录，按同类客户估计{every}。"
    else:
        rhythm = f"{customer} 平时{every}（共 {a.contacts} 次）。"
    silence = f"已经 {a.silence_days} 天没有联系（是平常的 {_ratio(a.ratio)} 倍）"
    if a.ratio < 1:
        return f"{rhythm}{silence}。"
    percent = _percent(a.chance)
    chance = "不到 1%" if percent == "<1%" else f"约 {percent}"
    return f"{rhythm}{silence}，如果节奏不变，这么长的沉默只有{chance} 的可能。"


def _ratio(ratio: float) -> str:
    return f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.1f}"


def _percent(chance: float) -> str:
    percent = chance * 100
    return "<1%" if percent < 1 else f"{round(percent)}%"


def _article_for_percent(percent: str) -> str:
    # "an 8%", "an 11%", "an 18%", "an 80%": the number is read with a leading vowel sound.
    number = int(percent.rstrip("%"))
    return "an" if number in (8, 11, 18) or 80 <= number <= 89 else "a"


def _days_en(days: int) -> str:
    return _count_en(days, "day")


def _count_en(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
