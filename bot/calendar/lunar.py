"""A thin, typed, cached layer over lunar-python: the only module in crmbot that talks to the library.

lunar-python encodes a leap month as a negative month number (``-6`` is 闰六月) and raises a bare
``Exception`` for impossible dates. Everything here uses ``(month, is_leap_month)`` and returns ``None`` for
a month that does not exist, so callers never pass sign conventions around.

Why a cache: lunar-python keeps only the *last* ``LunarYear`` it computed (about 4–7 ms each). Converting a
January date touches two years (the solar year and the lunar one), so mixed calls recompute a year on
almost every call (measured: 3 ms per conversion instead of 0.1 ms). We therefore ask lunar-python once per
lunar year for its month table (first day and length of each month) and answer every conversion from that
table; the numbers are lunar-python's own, and tests cross-check the conversion day by day.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from lunar_python import Lunar, LunarYear, Solar
from lunar_python.util import LunarUtil

# Chinese month names as written in a birthday. lunar-python's own table says 冬/腊 for months 11 and 12;
# we print 十一/十二 because they are unambiguous to every reader, and accept both when parsing.
LUNAR_MONTH_NAMES_ZH: tuple[str, ...] = (
    "", "正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
)
# 初一 … 三十, straight from lunar-python.
LUNAR_DAY_NAMES_ZH: tuple[str, ...] = tuple(LunarUtil.DAY)


class LunarDate(NamedTuple):
    """A day of the Chinese lunar calendar. ``year`` is the lunar year (it starts at 正月初一)."""

    year: int
    month: int
    day: int
    is_leap_month: bool


class _LunarMonthSpan(NamedTuple):
    month: int
    is_leap_month: bool
    first_ordinal: int  # proleptic Gregorian ordinal of day 1 (date.toordinal())
    days: int


class _LunarYearTable(NamedTuple):
    leap_month: int  # 0 when the year has none
    months: tuple[_LunarMonthSpan, ...]  # in calendar order, leap month right after its regular twin
    first_ordinals: tuple[int, ...]  # months[i].first_ordinal, for bisecting


#: The lunar years whose month table is verified against an astronomical source (sxtwl): every month's
#: first day and length, 1901–2099 (tests/bot/calendar/test_lunar_astronomy.py checks them all).
VERIFIED_LUNAR_YEARS = range(1901, 2100)

# Where lunar-python's table disagrees with the astronomical new moons: (year, month, leap) → (first
# day, length). In 2057 the new moon of 九月 falls just after midnight Beijing time on Sep 28 (lunar-python
# puts it on Sep 29), so 八月 has 29 days, not 30, and 九月 starts a day earlier with 30 days.
_CORRECTIONS: dict[tuple[int, int, bool], tuple[date, int]] = {
    (2057, 8, False): (date(2057, 8, 30), 29),
    (2057, 9, False): (date(2057, 9, 28), 30),
}


@lru_cache(maxsize=512)
def _year_table(lunar_year: int) -> _LunarYearTable:
    year = LunarYear.fromYear(lunar_year)
    months = tuple(
        _corrected(
            lunar_year,
            _LunarMonthSpan(
                month=abs(m.getMonth()),
                is_leap_month=m.getMonth() < 0,
                first_ordinal=_ordinal_of_julian_day(m.getFirstJulianDay()),
                days=m.getDayCount(),
            ),
        )
        for m in year.getMonthsInYear()
    )
    return _LunarYearTable(year.getLeapMonth(), months, tuple(m.first_ordinal for m in months))


def _corrected(lunar_year: int, span: _LunarMonthSpan) -> _LunarMonthSpan:
    fix = _CORRECTIONS.get((lunar_year, span.month, span.is_leap_month))
    if fix is None:
        return span
    return span._replace(first_ordinal=fix[0].toordinal(), days=fix[1])


def _ordinal_of_julian_day(julian_day: float) -> int:
    solar = Solar.fromJulianDay(julian_day)
    return date(solar.getYear(), solar.getMonth(), solar.getDay()).toordinal()


def lunar_date_of(day: date) -> LunarDate:
    """Convert a solar (Gregorian) date to its lunar date."""
    ordinal = day.toordinal()
    # 正月初一 falls between Jan 21 and Feb 20, so the lunar year is the solar year or the one before.
    lunar_year = day.year
    table = _year_table(lunar_year)
    if ordinal < table.first_ordinals[0]:
        lunar_year -= 1
        table = _year_table(lunar_year)
    month = table.months[bisect_right(table.first_ordinals, ordinal) - 1]
    return LunarDate(lunar_year, month.month, ordinal - month.first_ordinal + 1, month.is_leap_month)


def leap_month_of(lunar_year: int) -> int:
    """The month number that is doubled by a leap month in ``lunar_year`` (e.g. 6 for 2025), or 0 if none."""
    return _year_table(lunar_year).leap_month


def lunar_month_length(lunar_year: int, month: int, is_leap_month: bool) -> int | None:
    """Number of days (29 or 30) of a lunar month, or ``None`` when that (leap) month does not exist."""
    span = _find_month(lunar_year, month, is_leap_month)
    return None if span is None else span.days


def lunar_to_solar(lunar_year: int, month: int, day: int, is_leap_month: bool) -> date:
    """Convert a lunar date to its solar date; raises ``ValueError`` if the lunar date does not exist."""
    span = _find_month(lunar_year, month, is_leap_month)
    if span is None or not 1 <= day <= span.days:
        leap = "leap " if is_leap_month else ""
        raise ValueError(f"lunar {lunar_year} {leap}month {month} has no day {day}")
    return date.fromordinal(span.first_ordinal + day - 1)


def _find_month(lunar_year: int, month: int, is_leap_month: bool) -> _LunarMonthSpan | None:
    for span in _year_table(lunar_year).months:
        if span.month == month and span.is_leap_month == is_leap_month:
            return span
    return None


def qingming_of(year: int) -> date:
    """The day of the 清明 solar term (Tomb-sweeping Day) in a solar year: April 4, 5 or 6."""
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())
