"""Churn warnings from the rhythm ratio: levels, shrinkage, bulk scoring, wording."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from bot.calendar.churn import (
    ALL_SEGMENTS,
    DEFAULT_POPULATION_GAP_DAYS,
    ChurnAssessment,
    assess_churn,
    assess_many,
    explain_churn,
    mean_contact_gap,
    population_gap,
    population_gaps_by_segment,
)

TODAY = date(2026, 11, 22)


def assess(contacts: int, span_days: int, silence_days: int, gap_pop: float, **kwargs: object) -> ChurnAssessment:
    """A customer with ``contacts`` contact days spread over ``span_days``, silent for ``silence_days``."""
    last = TODAY - timedelta(days=silence_days)
    return assess_churn(
        contact_days=contacts,
        first_contact=last - timedelta(days=span_days),
        last_contact=last,
        today=TODAY,
        population_gap_days=gap_pop,
        **kwargs,  # type: ignore[arg-type]
    )


# 11 contacts over `span` days with a population gap of span/10 shrink to exactly span/10:
# ((span) + 2 * span/10) / (10 + 2) = span/10. So each block below has a usual gap of 10, 20, 100 or 2 days.
@pytest.mark.parametrize(
    ("usual_gap", "silence", "level"),
    [
        (10, 29, None),  # ratio 2.9, but under the 30-day floor
        (10, 30, "watch"),  # ratio 3.0, but under the 45-day at-risk floor
        (10, 44, "watch"),
        (10, 45, "at_risk"),
        (10, 59, "at_risk"),  # ratio 5.9
        (10, 60, "lapsed"),  # ratio 6.0
        (20, 39, None),  # ratio 1.95
        (20, 40, "watch"),  # ratio 2.0
        (20, 59, "watch"),  # ratio 2.95
        (20, 60, "at_risk"),  # ratio 3.0
        (20, 119, "at_risk"),
        (20, 120, "lapsed"),  # ratio 6.0
        (100, 179, None),  # a quarterly-ish customer at ratio 1.79 is fine ...
        (100, 180, "lapsed"),  # ... until half a year of silence, whatever the rhythm
        (2, 12, None),  # ratio 6 after 12 days: no warning below the 30-day floor
        (2, 30, "watch"),  # ratio 15 but under 45 days: not yet at risk, so not lapsed either
        (2, 45, "lapsed"),
    ],
)
def test_levels_at_the_thresholds(usual_gap: int, silence: int, level: str | None) -> None:
    a = assess(11, usual_gap * 10, silence, usual_gap)
    assert a.usual_gap_days == pytest.approx(usual_gap)
    assert a.ratio == pytest.approx(silence / usual_gap)
    assert a.level == level
    assert a.chance == pytest.approx(math.exp(-silence / usual_gap))
    assert (a.silence_days, a.contacts) == (silence, 11)


def test_few_contacts_are_judged_mostly_by_the_population_rhythm() -> None:
    """Two contacts five days apart do not make a five-day rhythm; twenty-one contacts do."""
    two = assess(2, 5, 40, 30)
    many = assess(21, 100, 40, 30)
    assert two.usual_gap_days == pytest.approx((5 + 2 * 30) / 3)  # 21.7 days, pulled towards 30
    assert many.usual_gap_days == pytest.approx((100 + 2 * 30) / 22)  # 7.3 days, close to their own 5
    assert two.level is None
    assert many.level == "watch"


def test_one_contact_uses_the_population_gap_and_k0_sets_the_pull() -> None:
    assert assess(1, 0, 10, 30).usual_gap_days == pytest.approx(30)
    # the weaker the prior (smaller k0), the closer to the customer's own 5-day gaps
    assert assess(5, 20, 10, 30, k0=0.5).usual_gap_days == pytest.approx((20 + 15) / 4.5)
    assert assess(5, 20, 10, 30, k0=8).usual_gap_days == pytest.approx((20 + 240) / 12)


def test_usual_gap_never_drops_below_a_day() -> None:
    a = assess(3, 2, 40, 0.5)
    assert a.usual_gap_days == 1.0
    assert a.ratio == 40.0


def test_contact_in_the_future_is_no_silence() -> None:
    a = assess(5, 40, -3, 10)
    assert (a.silence_days, a.ratio, a.level) == (0, 0.0, None)


@pytest.mark.parametrize(
    ("created_days_ago", "level", "ratio"),
    [
        (None, None, 0.0),  # nothing to measure from
        (10, None, 10 / 30),
        (70, "watch", 70 / 30),  # a lead nobody has called for ten weeks
        (100, "at_risk", 100 / 30),
        (200, "lapsed", 200 / 30),  # added half a year ago and never contacted
    ],
)
def test_customers_never_contacted_are_measured_from_creation(
    created_days_ago: int | None, level: str | None, ratio: float
) -> None:
    created = None if created_days_ago is None else TODAY - timedelta(days=created_days_ago)
    a = assess_churn(contact_days=0, first_contact=None, last_contact=None, today=TODAY,
                     population_gap_days=30, created=created)
    assert a.level == level
    assert a.contacts == 0
    assert a.ratio == pytest.approx(ratio)
    assert a.silence_days == (created_days_ago or 0)
    assert a.usual_gap_days == 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"contact_days": 3, "first_contact": None, "last_contact": TODAY}, "no first/last"),
        ({"contact_days": 3, "first_contact": TODAY, "last_contact": TODAY - timedelta(days=1)}, "after last"),
        ({"contact_days": 0, "first_contact": None, "last_contact": TODAY}, "no contact days"),
        ({"contact_days": -1, "first_contact": None, "last_contact": None}, ">= 0"),
        ({"contact_days": 1, "first_contact": TODAY, "last_contact": TODAY, "population_gap_days": 0}, "gap"),
        ({"contact_days": 1, "first_contact": TODAY, "last_contact": TODAY, "k0": 0}, "k0"),
    ],
)
def test_inconsistent_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"today": TODAY, "population_gap_days": 30, **kwargs}
    with pytest.raises(ValueError, match=message):
        assess_churn(**arguments)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# Population gaps and bulk scoring


def test_population_gap_is_the_median_or_a_default() -> None:
    assert population_gap([10, 40, 20]) == 20
    assert population_gap([10, 20, 30, 40]) == 25
    assert population_gap([]) == DEFAULT_POPULATION_GAP_DAYS == 30


def test_mean_contact_gap_needs_three_contact_days() -> None:
    assert mean_contact_gap(2, 100, 110) is None
    assert mean_contact_gap(3, 100, 110) == 5
    assert mean_contact_gap(5, None, None) is None


def test_population_gaps_by_segment_falls_back_for_small_segments() -> None:
    rows = [(i, 3, 0, 20, "big") for i in range(20)]  # 20 customers with a 10-day mean gap
    rows += [(100 + i, 3, 0, 100, "small") for i in range(5)]  # only 5 customers: 50 days
    rows += [(200, 2, 0, 1000, "big")]  # two contact days: not part of any median
    gaps = population_gaps_by_segment(rows)
    assert gaps == {"big": 10, ALL_SEGMENTS: 10}
    assert population_gaps_by_segment(rows, min_customers=5) == {"big": 10, "small": 50, ALL_SEGMENTS: 10}


def test_assess_many_agrees_with_assess_churn_row_by_row() -> None:
    t = TODAY.toordinal()
    rows = [
        (1, 12, t - 61 - 198, t - 61, "north"),
        (2, 1, t - 40, t - 40, "north"),
        (3, 11, t - 145, t - 45, "south"),
        (4, 0, None, None, "north"),  # never contacted, creation known
        (5, 0, None, None, "north"),  # never contacted, creation unknown
        (6, 11, t - 300, t - 200, "east"),  # segment without its own gap: uses ALL_SEGMENTS
        (7, 4, t - 30, t + 2, "south"),  # a meeting logged ahead of time: no silence
    ]
    gaps = {"north": 18.0, "south": 10.0, ALL_SEGMENTS: 25.0}
    created = {4: t - 90}
    bulk = dict(assess_many(rows, today=TODAY, population_gaps=gaps, created_ordinals=created))
    assert list(bulk) == [1, 2, 3, 4, 5, 6, 7]
    for customer_id, contacts, first, last, segment in rows:
        single = assess_churn(
            contact_days=contacts,
            first_contact=None if first is None else date.fromordinal(first),
            last_contact=None if last is None else date.fromordinal(last),
            today=TODAY,
            population_gap_days=gaps.get(segment, gaps[ALL_SEGMENTS]),
            created=None if customer_id not in created else date.fromordinal(created[customer_id]),
        )
        assert bulk[customer_id] == single
    assert [bulk[i].level for i in range(1, 8)] == ["at_risk", "watch", "at_risk", "at_risk", None, "lapsed", None]
    assert bulk[7].silence_days == 0


def test_assess_many_without_any_population_gap_uses_thirty_days() -> None:
    t = TODAY.toordinal()
    [(_, a)] = assess_many([(1, 1, t - 70, t - 70, "x")], today=TODAY, population_gaps={})
    assert a.usual_gap_days == 30
    assert a.level == "watch"


# ---------------------------------------------------------------------------------------------------
# The sentence the rep reads


def zhang_wei() -> ChurnAssessment:
    # 12 contacts every 18 days, then 61 days of silence.
    return assess(12, 11 * 18, 61, 18)


def test_explanation_in_english() -> None:
    assert explain_churn(zhang_wei(), customer="Zhang Wei", lang="en") == (
        "Zhang Wei usually hears from us every ~18 days (12 contacts). It has been 61 days (3.4× usual); "
        "a silence this long would have about a 3% chance if the rhythm held."
    )


def test_explanation_in_chinese() -> None:
    assert explain_churn(zhang_wei(), customer="张伟", lang="zh-CN") == (
        "张伟 平时大约每 18 天联系一次（共 12 次）。已经 61 天没有联系（是平常的 3.4 倍），"
        "如果节奏不变，这么长的沉默只有约 3% 的可能。"
    )


@pytest.mark.parametrize(
    ("assessment", "en", "zh"),
    [
        (  # tiny chance: never "0%"
            assess(11, 100, 50, 10),
            "Acme usually hears from us every ~10 days (11 contacts). It has been 50 days (5.0× usual); "
            "a silence this long would have a <1% chance if the rhythm held.",
            "Acme 平时大约每 10 天联系一次（共 11 次）。已经 50 天没有联系（是平常的 5.0 倍），"
            "如果节奏不变，这么长的沉默只有不到 1% 的可能。",
        ),
        (  # "an 8%"
            assess(11, 200, 50, 20),
            "Acme usually hears from us every ~20 days (11 contacts). It has been 50 days (2.5× usual); "
            "a silence this long would have about an 8% chance if the rhythm held.",
            "Acme 平时大约每 20 天联系一次（共 11 次）。已经 50 天没有联系（是平常的 2.5 倍），"
            "如果节奏不变，这么长的沉默只有约 8% 的可能。",
        ),
        (  # within the rhythm: no talk of chances
            assess(11, 200, 1, 20),
            "Acme usually hears from us every ~20 days (11 contacts). It has been 1 day (0.1× usual).",
            "Acme 平时大约每 20 天联系一次（共 11 次）。已经 1 天没有联系（是平常的 0.1 倍）。",
        ),
        (  # one contact: the gap is the segment's, and the sentence says so
            assess(1, 0, 70, 30),
            "Acme has only 1 contact on record, so we expect one every ~30 days, as for similar customers. "
            "It has been 70 days (2.3× usual); a silence this long would have about a 10% chance if the "
            "rhythm held.",
            "Acme 只有 1 次联系记录，按同类客户估计大约每 30 天联系一次。已经 70 天没有联系（是平常的 2.3 倍），"
            "如果节奏不变，这么长的沉默只有约 10% 的可能。",
        ),
        (  # near-daily contact, ratio above ten
            assess(100, 99, 45, 1),
            "Acme usually hears from us every day (100 contacts). It has been 45 days (45× usual); "
            "a silence this long would have a <1% chance if the rhythm held.",
            "Acme 平时几乎每天都有联系（共 100 次）。已经 45 天没有联系（是平常的 45 倍），"
            "如果节奏不变，这么长的沉默只有不到 1% 的可能。",
        ),
        (  # never contacted, measured from creation
            assess_churn(contact_days=0, first_contact=None, last_contact=None, today=TODAY,
                         population_gap_days=30, created=TODAY - timedelta(days=200)),
            "Acme has not heard from us since being added 200 days ago; "
            "similar customers hear from us every ~30 days (6.7× that).",
            "Acme 建档 200 天以来还没有联系过；同类客户大约每 30 天联系一次（已是 6.7 倍）。",
        ),
        (
            assess_churn(contact_days=0, first_contact=None, last_contact=None, today=TODAY,
                         population_gap_days=30),
            "Acme has no contacts on record yet.",
            "Acme 还没有联系记录。",
        ),
    ],
)
def test_explanation_variants(assessment: ChurnAssessment, en: str, zh: str) -> None:
    assert explain_churn(assessment, customer="Acme", lang="en") == en
    assert explain_churn(assessment, customer="Acme", lang="zh") == zh


def test_explanation_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        explain_churn(zhang_wei(), customer="Zhang Wei", lang="de")
