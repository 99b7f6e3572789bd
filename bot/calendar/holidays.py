"""Chinese public holidays and working days, for dates such as ``春节后``, ``国庆节前`` and ``下个工作日``.

Holidays are computed, never listed by hand: solar ones are fixed days, lunar ones (春节, 端午, 中秋 …)
come from the lunar calendar, 清明 from the solar terms. Which days are officially off or worked in
exchange is published by the State Council each year; the ``chinesecalendar`` package carries those
arrangements for the years it covers. For a year it does not cover yet we assume the usual pattern:
weekends off, plus the statutory break of each holiday (春节 from 除夕 to 初七, 国庆 October 1–7,
劳动节 May 1–5, the other holidays one day), without make-up working days.

"After a holiday" (``国庆节后``) is the first working day after the days off around it, and "before a
holiday" (``春节前``) the last working day before them: what a rep means by "call them after the break".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from bot.calendar.lunar import lunar_to_solar, qingming_of

__all__ = ["HOLIDAYS", "Holiday", "is_working_day", "next_holiday", "next_working_day", "working_day_after",
           "working_day_before"]


@dataclass(frozen=True)
class Holiday:
    """A named day of the year and the days off a statutory holiday usually brings (0: not a day off)."""

    key: str
    day_of: Callable[[int], date]
    break_days: int = 0
    break_starts: int = 0  # days between the holiday's first day off and the holiday itself (除夕 before 春节)


def _lunar(month: int, day: int) -> Callable[[int], date]:
    return lambda year: lunar_to_solar(year, month, day, False)


def _solar(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


def _new_years_eve(year: int) -> date:
    return lunar_to_solar(year, 1, 1, False) - timedelta(days=1)


#: Words people type for a holiday → the holiday. Longest words are tried first by the readers.
HOLIDAYS: dict[str, Holiday] = {}
for _holiday, _words in (
    (Holiday("new_year", _solar(1, 1), 1), ("元旦", "new year", "new year's day", "new years day")),
    (Holiday("spring_festival", _lunar(1, 1), 8, 1),
     ("春节", "春節", "过年", "大年初一", "chinese new year", "lunar new year", "spring festival", "cny")),
    (Holiday("new_years_eve", _new_years_eve, 8), ("除夕", "大年三十", "年三十")),
    (Holiday("lantern", _lunar(1, 15)), ("元宵节", "元宵", "lantern festival")),
    (Holiday("qingming", qingming_of, 1), ("清明节", "清明", "qingming", "tomb sweeping day")),
    (Holiday("labour_day", _solar(5, 1), 5), ("劳动节", "五一", "五一劳动节", "labor day", "labour day", "may day")),
    (Holiday("dragon_boat", _lunar(5, 5), 1), ("端午节", "端午", "dragon boat festival")),
    (Holiday("qixi", _lunar(7, 7)), ("七夕节", "七夕",)),
    (Holiday("mid_autumn", _lunar(8, 15), 1), ("中秋节", "中秋", "mid-autumn festival", "mid autumn festival")),
    (Holiday("national_day", _solar(10, 1), 7), ("国庆节", "国庆", "國慶", "十一国庆", "national day")),
    (Holiday("double_ninth", _lunar(9, 9)), ("重阳节", "重阳",)),
    (Holiday("laba", _lunar(12, 8)), ("腊八节", "腊八",)),
    (Holiday("christmas", _solar(12, 25)), ("圣诞节", "圣诞", "christmas", "xmas")),
):
    for _word in _words:
        HOLIDAYS[_word] = _holiday


def next_holiday(holiday: Holiday, today: date) -> date:
    """The holiday's next day on or after ``today``."""
    this_year = holiday.day_of(today.year)
    return this_year if this_year >= today else holiday.day_of(today.year + 1)


def working_day_after(day: date) -> date:
    """The first working day after ``day`` and the days off around it (``国庆节后``)."""
    probe = day + timedelta(days=1)
    while not is_working_day(probe):
        probe += timedelta(days=1)
    return probe


def working_day_before(day: date) -> date:
    """The last working day before ``day`` and the days off around it (``春节前``)."""
    probe = day - timedelta(days=1)
    while not is_working_day(probe):
        probe -= timedelta(days=1)
    return probe


def next_working_day(today: date) -> date:
    """The first working day strictly after ``today`` (official arrangements where published)."""
    return working_day_after(today)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China (see the module docstring for the source)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no published arrangement for
        return day.weekday() < 5 and day not in _assumed_days_off(day.year)


@lru_cache(maxsize=64)
def _assumed_days_off(year: int) -> frozenset[date]:
    off: set[date] = set()
    for holiday in set(HOLIDAYS.values()):
        if holiday.break_days == 0 or holiday.key == "new_years_eve":
            continue
        first = holiday.day_of(year) - timedelta(days=holiday.break_starts)
        off.update(first + timedelta(days=n) for n in range(holiday.break_days))
    return frozenset(off)
