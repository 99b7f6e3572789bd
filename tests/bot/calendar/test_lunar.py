"""Our cached month tables give exactly lunar-python's answers (the library stays the source of truth)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from lunar_python import LunarMonth, Solar

from bot.calendar.lunar import (
    LunarDate,
    leap_month_of,
    lunar_date_of,
    lunar_month_length,
    lunar_to_solar,
)

# Years where lunardate is wrong (1933, 1954, 1978), recent leap years (2020 leap 4, 2023 leap 2,
# 2025 leap 6), a year without a leap month (2026) and the "2033 problem" (leap 11).
_CHECKED_YEARS = (1933, 1954, 1978, 2020, 2023, 2025, 2026, 2033)


def _reference(day: date) -> LunarDate:
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()  # ~1 ms: the full almanac
    return LunarDate(lunar.getYear(), abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0)


@pytest.mark.parametrize("solar_year", [1954, 2033])
def test_every_day_of_the_year_matches_lunar_python(solar_year: int) -> None:
    day = date(solar_year, 1, 1)
    while day.year == solar_year:
        converted = lunar_date_of(day)
        assert converted == _reference(day), day
        assert lunar_to_solar(*converted) == day
        day += timedelta(days=1)


@pytest.mark.parametrize("lunar_year", _CHECKED_YEARS)
def test_every_month_boundary_matches_lunar_python(lunar_year: int) -> None:
    """Each month's first day and the day before it: where a wrong table would show."""
    for month in range(1, 13):
        for is_leap in (False, True):
            length = lunar_month_length(lunar_year, month, is_leap)
            if length is None:
                continue
            first = lunar_to_solar(lunar_year, month, 1, is_leap)
            last = lunar_to_solar(lunar_year, month, length, is_leap)
            assert _reference(first) == LunarDate(lunar_year, month, 1, is_leap)
            assert _reference(last) == LunarDate(lunar_year, month, length, is_leap)
            assert lunar_date_of(first - timedelta(days=1)) == _reference(first - timedelta(days=1))


@pytest.mark.parametrize(("lunar_year", "leap_month"), [(2020, 4), (2023, 2), (2025, 6), (2026, 0), (2033, 11)])
def test_leap_months_and_month_lengths(lunar_year: int, leap_month: int) -> None:
    assert leap_month_of(lunar_year) == leap_month
    for month in range(1, 13):
        assert lunar_month_length(lunar_year, month, False) == LunarMonth.fromYm(lunar_year, month).getDayCount()
    if leap_month:
        assert lunar_month_length(lunar_year, leap_month, True) == LunarMonth.fromYm(
            lunar_year, -leap_month
        ).getDayCount()
    assert lunar_month_length(lunar_year, leap_month % 12 + 1, True) is None


def test_converting_a_day_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(ValueError, match="has no day 30"):
        lunar_to_solar(2023, 1, 30, False)  # 正月 2023 has 29 days
    with pytest.raises(ValueError, match="leap month 4"):
        lunar_to_solar(2026, 4, 1, True)  # 2026 has no leap month
