"""A thin, typed layer over lunar-python: the only module in crmbot that talks to the library.

lunar-python encodes a leap month as a negative month number (``-6`` is 闰六月) and raises a bare
``Exception`` for impossible dates. Everything here uses ``(month, is_leap)`` instead and returns ``None``
for a month that does not exist, so callers never pass sign conventions around.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from lunar_python import Lunar, LunarMonth, LunarYear, Solar
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


def lunar_date_of(day: date) -> LunarDate:
    """Convert a solar (Gregorian) date to its lunar date (about 0.1 ms; call it once per day, not per row)."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month = lunar.getMonth()
    return LunarDate(lunar.getYear(), abs(month), lunar.getDay(), month < 0)


def leap_month_of(lunar_year: int) -> int:
    """The month number that is doubled by a leap month in ``lunar_year`` (e.g. 6 for 2025), or 0 if none."""
    return LunarYear.fromYear(lunar_year).getLeapMonth()


def lunar_month_length(lunar_year: int, month: int, is_leap_month: bool) -> int | None:
    """Number of days (29 or 30) of a lunar month, or ``None`` when that (leap) month does not exist."""
    lunar_month = LunarMonth.fromYm(lunar_year, -month if is_leap_month else month)
    return None if lunar_month is None else lunar_month.getDayCount()


def lunar_to_solar(lunar_year: int, month: int, day: int, is_leap_month: bool) -> date:
    """Convert an existing lunar date to its solar date; callers must have checked the date exists."""
    solar = Lunar.fromYmd(lunar_year, -month if is_leap_month else month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())
