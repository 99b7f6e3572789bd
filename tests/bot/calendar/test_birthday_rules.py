"""When birthdays are celebrated: the rules on real lunar years.

Facts about the lunar calendar used below were read from lunar-python 1.4.8 and are hard-coded on purpose:
  2023: leap 2nd month. Regular 2nd month has 30 days (ends 2023-03-21), leap 2nd has 29 (2023-03-22 … 04-19).
        正月 has 29 days: 正月廿九 = 2023-02-19, the next day is 二月初一.
  2025: leap 6th month. 六月初五 = 2025-06-29, 六月三十 = 2025-07-24, 闰六月初五 = 2025-07-29,
        闰六月廿九 (its last day) = 2025-08-22. 腊月 has 29 days: 腊月廿九 = 2026-02-16 (除夕).
  2026: no leap month. 正月初一 = 2026-02-17, 四月初五 = 2026-05-21, 六月初五 = 2026-07-18,
        二月 has 29 days: 二月廿九 = 2026-04-16.
  2033: leap 11th month (the "2033 problem"). 十一月廿三 = 2033-12-14, 闰十一月廿三 = 2034-01-13,
        闰十一月廿九 (29-day leap month) = 2034-01-19.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.calendar.birthdays import (
    Birthday,
    BirthdayKeys,
    age_on,
    birthday_keys_for,
    matches,
    next_occurrence,
)
from bot.calendar.lunar import LunarDate, lunar_date_of


def solar(month: int, day: int, year: int | None = None) -> Birthday:
    return Birthday(month, day, year=year)


def lunar(month: int, day: int, year: int | None = None, *, leap: bool = False) -> Birthday:
    return Birthday(month, day, is_lunar=True, is_leap_month=leap, year=year)


def test_lunar_conversion_is_right_where_lunardate_is_wrong() -> None:
    """1954-11-25 is 十一月初一 (lunardate says 十月三十), and Spring Festival dates are known."""
    assert lunar_date_of(date(1954, 11, 25)) == LunarDate(1954, 11, 1, False)
    assert lunar_date_of(date(2026, 2, 17)) == LunarDate(2026, 1, 1, False)
    assert lunar_date_of(date(2025, 7, 29)) == LunarDate(2025, 6, 5, True)


# ---------------------------------------------------------------------------------------------------
# The keys the scheduler turns into SQL


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # An ordinary day in 2026 (no leap month): leap-born people celebrate in the regular month.
        (date(2026, 5, 21), BirthdayKeys(solar=((5, 21),), lunar=((4, 5, (False, True)),))),
        # 2025 regular 6th month: the year has a leap 6th, so leap-born people wait for it.
        (date(2025, 6, 29), BirthdayKeys(solar=((6, 29),), lunar=((6, 5, (False,)),))),
        # 2025 leap 6th month: only leap-born people.
        (date(2025, 7, 29), BirthdayKeys(solar=((7, 29),), lunar=((6, 5, (True,)),))),
        # Last day of a 29-day month also celebrates day 30 (here 除夕 2026, last day of lunar 2025).
        (
            date(2026, 2, 16),
            BirthdayKeys(solar=((2, 16),), lunar=((12, 29, (False, True)), (12, 30, (False, True)))),
        ),
        # Last day of a 29-day *leap* month: leap-born day-30 people celebrate, regular ones do not.
        (date(2025, 8, 22), BirthdayKeys(solar=((8, 22),), lunar=((6, 29, (True,)), (6, 30, (True,))))),
        # Feb 28 of a common year also celebrates Feb 29 birthdays.
        (date(2026, 2, 28), BirthdayKeys(solar=((2, 28), (2, 29)), lunar=((1, 12, (False, True)),))),
        # ... but not in a leap year, where Feb 29 exists.
        (date(2028, 2, 28), BirthdayKeys(solar=((2, 28),), lunar=((2, 4, (False, True)),))),
    ],
)
def test_keys_for_a_day(day: date, expected: BirthdayKeys) -> None:
    assert birthday_keys_for(day) == expected


def test_feb29_can_be_moved_to_march_1st() -> None:
    assert birthday_keys_for(date(2026, 2, 28), feb29_on="mar1").solar == ((2, 28),)
    assert birthday_keys_for(date(2026, 3, 1), feb29_on="mar1").solar == ((3, 1), (2, 29))
    with pytest.raises(ValueError, match="feb29_on"):
        birthday_keys_for(date(2026, 3, 1), feb29_on="feb27")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# Who is celebrated on which day


@pytest.mark.parametrize(
    ("birthday", "day", "celebrated"),
    [
        # Feb 29 (solar)
        (solar(2, 29), date(2026, 2, 28), True),
        (solar(2, 29), date(2026, 3, 1), False),
        (solar(2, 29), date(2028, 2, 28), False),
        (solar(2, 29), date(2028, 2, 29), True),
        (solar(2, 28), date(2028, 2, 28), True),
        (solar(3, 1), date(2026, 3, 1), True),
        # Lunar day 30 in a 29-day month (正月 2023 has 29 days)
        (lunar(1, 30), date(2023, 2, 19), True),  # 正月廿九 2023
        (lunar(1, 29), date(2023, 2, 19), True),
        (lunar(1, 30), date(2023, 2, 20), False),  # 二月初一: no "day 30 spills into next month"
        # ... and in a 30-day month day 30 is not pulled forward
        (lunar(2, 30), date(2023, 3, 20), False),  # 2023 二月廿九, the regular 2nd month has 30 days
        (lunar(2, 30), date(2023, 3, 21), True),  # 2023 二月三十
        # 除夕 2026 is 腊月廿九: a 腊月三十 birthday is celebrated then (lunar year boundary)
        (lunar(12, 30), date(2026, 2, 16), True),
        (lunar(12, 30), date(2026, 2, 17), False),  # 正月初一 of the next lunar year
        # Leap month born, year has that leap month (2025 leap 6): celebrated in the leap month only
        (lunar(6, 5, leap=True), date(2025, 6, 29), False),
        (lunar(6, 5, leap=True), date(2025, 7, 29), True),
        # Regular month born in the same year: regular month only, never the leap one
        (lunar(6, 5), date(2025, 6, 29), True),
        (lunar(6, 5), date(2025, 7, 29), False),
        # Leap month born, year without that leap month (2026 has none): celebrated in the regular month
        (lunar(6, 5, leap=True), date(2026, 7, 18), True),
        (lunar(4, 5, leap=True), date(2026, 5, 21), True),
        # 2023 leap 2: regular 2nd has 30 days, leap 2nd only 29
        (lunar(2, 30, leap=True), date(2023, 4, 19), True),  # 闰二月廿九
        (lunar(2, 30, leap=True), date(2023, 3, 21), False),  # regular 二月三十 is not theirs
        (lunar(2, 30), date(2023, 4, 19), False),
        # 2033 leap 11 (the "2033 problem")
        (lunar(11, 23, leap=True), date(2033, 12, 14), False),
        (lunar(11, 23, leap=True), date(2034, 1, 13), True),
        (lunar(11, 23), date(2033, 12, 14), True),
        (lunar(11, 23), date(2034, 1, 13), False),
        (lunar(11, 30, leap=True), date(2034, 1, 19), True),  # 29-day leap month, last day
        # A solar and a lunar birthday with the same numbers are different birthdays
        (solar(4, 5), date(2026, 5, 21), False),
        (lunar(5, 21), date(2026, 5, 21), False),
    ],
)
def test_matches(birthday: Birthday, day: date, celebrated: bool) -> None:
    assert matches(birthday, day) is celebrated


def test_mar1_setting_moves_feb29_birthdays() -> None:
    assert matches(solar(2, 29), date(2026, 3, 1), feb29_on="mar1")
    assert not matches(solar(2, 29), date(2026, 2, 28), feb29_on="mar1")
    assert matches(solar(2, 29), date(2028, 2, 29), feb29_on="mar1")


# ---------------------------------------------------------------------------------------------------
# Next occurrence


@pytest.mark.parametrize(
    ("birthday", "after", "expected"),
    [
        (solar(3, 2), date(2026, 3, 2), date(2026, 3, 2)),  # "on or after"
        (solar(3, 2), date(2026, 3, 3), date(2027, 3, 2)),
        (solar(2, 29), date(2026, 1, 1), date(2026, 2, 28)),
        (solar(2, 29), date(2026, 3, 1), date(2027, 2, 28)),
        (solar(2, 29), date(2027, 3, 1), date(2028, 2, 29)),
        (lunar(4, 5), date(2026, 1, 1), date(2026, 5, 21)),
        (lunar(6, 5, leap=True), date(2025, 7, 1), date(2025, 7, 29)),  # leap month this year
        (lunar(6, 5, leap=True), date(2025, 7, 30), date(2026, 7, 18)),  # regular month next year
        # 腊月初三: in solar January, so the "next" one after Jan 2025 is in Jan 2026 (lunar year boundary)
        (lunar(12, 3), date(2025, 1, 1), date(2025, 1, 2)),
        (lunar(12, 3), date(2025, 1, 3), date(2026, 1, 21)),
        (lunar(12, 30), date(2026, 1, 1), date(2026, 2, 16)),  # 除夕 on 腊月廿九
        (lunar(11, 23, leap=True), date(2033, 12, 1), date(2034, 1, 13)),
    ],
)
def test_next_occurrence(birthday: Birthday, after: date, expected: date) -> None:
    assert next_occurrence(birthday, after) == expected


# A spread of awkward birthdays, each checked against every day of several lunar years.
_AWKWARD = [
    lunar(1, 1),
    lunar(1, 30),
    lunar(2, 30),
    lunar(2, 30, leap=True),
    lunar(4, 29),
    lunar(6, 5, leap=True),
    lunar(6, 30, leap=True),
    lunar(11, 23, leap=True),
    lunar(12, 30),
    solar(2, 29),
    solar(12, 31),
]


@pytest.mark.parametrize("feb29_on", ["feb28", "mar1"])
@pytest.mark.parametrize(("first", "last"), [(date(2023, 1, 22), date(2027, 2, 5)), (date(2033, 1, 31), date(2034, 2, 18))])
def test_keys_and_next_occurrence_agree_day_by_day(first: date, last: date, feb29_on: str) -> None:
    """The two independent implementations agree on every day, and each birthday comes once a year."""
    matched: dict[Birthday, list[date]] = {b: [] for b in _AWKWARD}
    day = first
    while day <= last:
        keys = birthday_keys_for(day, feb29_on=feb29_on)  # type: ignore[arg-type]
        for b in _AWKWARD:
            if keys.includes(b):
                matched[b].append(day)
        day += timedelta(days=1)

    for b, days in matched.items():
        expected = []
        cursor = first
        while (occurrence := next_occurrence(b, cursor, feb29_on=feb29_on)) <= last:  # type: ignore[arg-type]
            expected.append(occurrence)
            cursor = occurrence + timedelta(days=1)
        assert days == expected, b
        # exactly one celebration per (lunar or solar) year
        year_of = (lambda d: lunar_date_of(d).year) if b.is_lunar else (lambda d: d.year)
        years = [year_of(d) for d in days]
        assert len(years) == len(set(years)), b


# ---------------------------------------------------------------------------------------------------
# Age


@pytest.mark.parametrize(
    ("birthday", "day", "age"),
    [
        (solar(3, 2), date(2026, 3, 2), None),
        (solar(3, 2, 1985), date(2026, 3, 1), 40),
        (solar(3, 2, 1985), date(2026, 3, 2), 41),
        (solar(2, 29, 2024), date(2025, 2, 27), 0),
        (solar(2, 29, 2024), date(2025, 2, 28), 1),  # turns one the day the greeting goes out
        (solar(2, 29, 2024), date(2028, 2, 28), 3),
        (solar(2, 29, 2024), date(2028, 2, 29), 4),
        # lunar ages count lunar years: 农历1985年三月初五; 2026 三月初五 is 2026-04-21
        (lunar(3, 5, 1985), date(2026, 4, 20), 40),
        (lunar(3, 5, 1985), date(2026, 4, 21), 41),
        # 农历1984年腊月初三 (solar 1985-01-23): the lunar birth year is 1984
        (lunar(12, 3, 1984), date(2026, 1, 20), 40),
        (lunar(12, 3, 1984), date(2026, 1, 21), 41),
    ],
)
def test_age_on(birthday: Birthday, day: date, age: int | None) -> None:
    assert age_on(birthday, day) == age


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the birth"):
        age_on(solar(3, 2, 2030), date(2026, 1, 1))
