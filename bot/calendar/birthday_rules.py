"""When a stored birthday is celebrated.

Two independent views of the same rules, so each checks the other in tests:

- ``birthday_keys_for(day)`` starts from *today*: it converts the local date to lunar once and lists every
  stored (month, day, leap) that celebrates today. The scheduler turns it into one set-based SQL predicate
  instead of converting 19k lunar birthdays to solar dates every tick (17 s, measured).
- ``next_occurrence(b, after)`` starts from *the birthday*: it converts it to a solar date directly.

The rules:

1. Day 30 of a lunar month that has only 29 days this year is celebrated on the 29th.
2. Born in leap month m: celebrate in leap m when this lunar year has one, else in regular m.
   Born in regular m: always regular m, never the leap month.
3. Solar Feb 29 in a common year: Feb 28 (default) or Mar 1 (``feb29_on="mar1"``).
4. A lunar birthday's occurrence belongs to the lunar year of today, not the solar year.

The birth year is never consulted for matching; it only feeds ``age_on``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.calendar.birthday_model import Birthday
from bot.calendar.lunar import leap_month_of, lunar_date_of, lunar_month_length, lunar_to_solar

Feb29Rule = Literal["feb28", "mar1"]
_FEB29_RULES: tuple[Feb29Rule, ...] = ("feb28", "mar1")

_REGULAR_ONLY: tuple[bool, ...] = (False,)
_LEAP_ONLY: tuple[bool, ...] = (True,)
_EITHER: tuple[bool, ...] = (False, True)


@dataclass(frozen=True, slots=True)
class BirthdayKeys:
    """The stored birthdays that fall on one local solar date, as value lists for one SQL predicate:

    ``(NOT is_lunar AND (month, day) IN solar)
    OR (is_lunar AND <OR over lunar: month = m AND day = d AND is_leap_month IN allowed>)``
    """

    solar: tuple[tuple[int, int], ...]
    lunar: tuple[tuple[int, int, tuple[bool, ...]], ...]

    def includes(self, b: Birthday) -> bool:
        """Whether ``b`` is celebrated on the date these keys were built for (the predicate, in Python)."""
        if not b.is_lunar:
            return (b.month, b.day) in self.solar
        return any(
            b.month == month and b.day == day and b.is_leap_month in allowed
            for month, day, allowed in self.lunar
        )


def birthday_keys_for(day: date, *, feb29_on: Feb29Rule = "feb28") -> BirthdayKeys:
    """Which stored birthdays are celebrated on the local date ``day`` (see the module rules)."""
    _check_feb29_rule(feb29_on)
    solar = [(day.month, day.day)]
    if not calendar.isleap(day.year) and (day.month, day.day) == _feb29_stand_in(feb29_on):
        solar.append((2, 29))

    today = lunar_date_of(day)
    if today.is_leap_month:
        allowed = _LEAP_ONLY  # only people born in the leap month celebrate in it
    elif leap_month_of(today.year) == today.month:
        allowed = _REGULAR_ONLY  # leap-born people wait for this year's leap month
    else:
        allowed = _EITHER  # no leap month this year: leap-born people celebrate in the regular one
    lunar_days = [today.day]
    if today.day == 29 and lunar_month_length(today.year, today.month, today.is_leap_month) == 29:
        lunar_days.append(30)
    return BirthdayKeys(
        solar=tuple(solar),
        lunar=tuple((today.month, d, allowed) for d in lunar_days),
    )


def matches(b: Birthday, day: date, *, feb29_on: Feb29Rule = "feb28") -> bool:
    """Whether ``b`` is celebrated on the local date ``day``; the Python twin of the SQL predicate."""
    return birthday_keys_for(day, feb29_on=feb29_on).includes(b)


def next_occurrence(b: Birthday, after: date, *, feb29_on: Feb29Rule = "feb28") -> date:
    """The first date on or after ``after`` on which ``b`` is celebrated."""
    _check_feb29_rule(feb29_on)
    if b.is_lunar:
        # One celebration per lunar year, so this lunar year's or else next lunar year's is the answer.
        this_lunar_year = lunar_date_of(after).year
        for lunar_year in (this_lunar_year, this_lunar_year + 1):
            occurrence = _lunar_occurrence(b, lunar_year)
            if occurrence >= after:
                return occurrence
    else:
        for year in (after.year, after.year + 1):
            occurrence = _solar_occurrence(b, year, feb29_on)
            if occurrence >= after:
                return occurrence
    raise AssertionError(f"no occurrence of {b} within two years of {after}")  # unreachable


def age_on(b: Birthday, day: date, *, feb29_on: Feb29Rule = "feb28") -> int | None:
    """Completed years on ``day`` (the age being celebrated on a birthday), or ``None`` without a birth year.

    The age goes up on the day the birthday is celebrated, by the same rules as the greetings (so a Feb-29
    child turns one on 2025-02-28 by default). For a lunar birthday we count *lunar* years: the age goes up
    at the lunar birthday, as the family celebrates it. This is 周岁 by the lunar calendar, not 虚岁 (which
    adds one at birth and at each new year), and can differ by one from the solar age for a few weeks.
    Raises ``ValueError`` if ``day`` is before the birth.
    """
    if b.year is None:
        return None
    _check_feb29_rule(feb29_on)
    if b.is_lunar:
        year = lunar_date_of(day).year
        birthday_this_year = _lunar_occurrence(b, year)
    else:
        year = day.year
        birthday_this_year = _solar_occurrence(b, year, feb29_on)
    age = year - b.year - (1 if day < birthday_this_year else 0)
    if age < 0:
        raise ValueError(f"{day} is before the birth ({b})")
    return age


def _lunar_occurrence(b: Birthday, lunar_year: int) -> date:
    in_leap_month = b.is_leap_month and leap_month_of(lunar_year) == b.month
    length = lunar_month_length(lunar_year, b.month, in_leap_month)
    assert length is not None  # a regular month always exists; the leap one was just checked
    return lunar_to_solar(lunar_year, b.month, min(b.day, length), in_leap_month)


def _solar_occurrence(b: Birthday, year: int, feb29_on: Feb29Rule) -> date:
    if (b.month, b.day) == (2, 29) and not calendar.isleap(year):
        return date(year, *_feb29_stand_in(feb29_on))
    return date(year, b.month, b.day)


def _feb29_stand_in(feb29_on: Feb29Rule) -> tuple[int, int]:
    return (2, 28) if feb29_on == "feb28" else (3, 1)


def _check_feb29_rule(feb29_on: str) -> None:
    if feb29_on not in _FEB29_RULES:
        raise ValueError(f"feb29_on must be one of {_FEB29_RULES}, not {feb29_on!r}")
