"""The stored shape of a contact's birthday, and the rules that decide whether it can exist at all."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Literal

from bot.calendar.lunar import VERIFIED_LUNAR_YEARS, leap_month_of, lunar_month_length

BirthdayErrorReason = Literal["empty", "bad_format", "bad_date", "bad_year", "no_leap_month"]

# Birth years we accept: where the lunar month table is verified against astronomy (1901–2099), for
# solar birthdays too (one rule to explain); anything outside is a typo, not a customer.
MIN_BIRTH_YEAR = VERIFIED_LUNAR_YEARS.start
MAX_BIRTH_YEAR = VERIFIED_LUNAR_YEARS.stop - 1

# A leap year, used to check month/day pairs when no birth year is known (so 02-29 is allowed).
_ANY_LEAP_YEAR = 2000


class BirthdayError(ValueError):
    """A birthday that cannot be parsed or cannot exist.

    ``reason`` is a stable code the chat layer turns into a localised reply:
    ``empty`` (nothing typed), ``bad_format`` (not a form we read), ``bad_date`` (no such day, e.g.
    2023-02-29, 4-31, lunar day 31, or lunar day 30 of a 29-day month), ``bad_year`` (outside
    1901–2099) and ``no_leap_month`` (a leap month the given lunar year did not have).
    """

    def __init__(self, reason: BirthdayErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason: BirthdayErrorReason = reason


@dataclass(frozen=True, slots=True)
class Birthday:
    """A contact's birthday as stored: solar month/day, or lunar month/day (+ leap flag); year optional.

    For a lunar birthday ``month``/``day`` are lunar and ``year`` is the *lunar* year of birth (农历1984年
    腊月 falls in solar January 1985). Construction validates, so an impossible birthday never exists.
    """

    month: int
    day: int
    is_lunar: bool = False
    is_leap_month: bool = False
    year: int | None = None

    def __post_init__(self) -> None:
        validate_birthday(self)


def validate_birthday(b: Birthday) -> None:
    """Raise ``BirthdayError`` unless ``b`` is a day that exists (in ``b.year`` when the year is known)."""
    if b.year is not None and not MIN_BIRTH_YEAR <= b.year <= MAX_BIRTH_YEAR:
        raise BirthdayError("bad_year", f"birth year {b.year} is outside {MIN_BIRTH_YEAR}–{MAX_BIRTH_YEAR}")
    if not 1 <= b.month <= 12:
        raise BirthdayError("bad_date", f"month {b.month} does not exist")
    if b.is_lunar:
        _validate_lunar(b)
    else:
        _validate_solar(b)


def _validate_solar(b: Birthday) -> None:
    if b.is_leap_month:
        raise BirthdayError("bad_date", "only lunar birthdays can be in a leap month")
    days = calendar.monthrange(b.year if b.year is not None else _ANY_LEAP_YEAR, b.month)[1]
    if not 1 <= b.day <= days:
        where = f"{b.year}-{b.month:02d}" if b.year is not None else f"month {b.month}"
        raise BirthdayError("bad_date", f"{where} has no day {b.day}")


def _validate_lunar(b: Birthday) -> None:
    # Without a year every lunar month, leap or not, can have 30 days in some year.
    if not 1 <= b.day <= 30:
        raise BirthdayError("bad_date", f"a lunar month has no day {b.day}")
    if b.year is None:
        return
    if b.is_leap_month and leap_month_of(b.year) != b.month:
        raise BirthdayError("no_leap_month", f"lunar year {b.year} had no leap month {b.month}")
    length = lunar_month_length(b.year, b.month, b.is_leap_month)
    if length is None or b.day > length:
        raise BirthdayError("bad_date", f"lunar {b.year} month {b.month} has only {length} days")
