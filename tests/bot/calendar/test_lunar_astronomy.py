"""Every lunar month 1901–2099 checked against an astronomical source (sxtwl, a test-only dependency):
its first day, its length and the year's leap month. Where lunar-python's table differs, crmbot ships
a correction (2057: 八月 has 29 days, 九月 starts on Sep 28)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.calendar.birthdays import BirthdayError, parse_birthday
from bot.calendar.lunar import VERIFIED_LUNAR_YEARS, leap_month_of, lunar_date_of, lunar_to_solar
from bot.calendar.lunar import _year_table as year_table

sxtwl = pytest.importorskip("sxtwl")


def _sxtwl_first_day(year: int, month: int, leap: bool) -> int:
    day = sxtwl.fromLunar(year, month, 1, leap)
    return date(day.getSolarYear(), day.getSolarMonth(), day.getSolarDay()).toordinal()


def test_every_lunar_month_1901_to_2099_matches_astronomy() -> None:
    wrong = []
    for year in VERIFIED_LUNAR_YEARS:
        months = year_table(year).months
        starts = [_sxtwl_first_day(year, m.month, m.is_leap_month) for m in months]
        starts.append(_sxtwl_first_day(year + 1, 1, False))
        for index, month in enumerate(months):
            expected = (starts[index], starts[index + 1] - starts[index])
            if (month.first_ordinal, month.days) != expected:
                wrong.append((year, month.month, month.is_leap_month))
        if leap_month_of(year) != sxtwl.getRunMonth(year):
            wrong.append((year, "leap", leap_month_of(year)))
    assert wrong == []


def test_2057_is_corrected() -> None:
    assert lunar_to_solar(2057, 9, 1, False) == date(2057, 9, 28)
    assert lunar_date_of(date(2057, 9, 27)) == (2057, 8, 29, False)
    with pytest.raises(ValueError):
        lunar_to_solar(2057, 8, 30, False)
    assert lunar_to_solar(2057, 9, 30, False) == date(2057, 10, 27)


@pytest.mark.parametrize("text", ["农历1900年三月初五", "农历2100年正月初一", "1900-05-01", "2100-01-01"])
def test_birth_years_outside_the_verified_range_are_refused(text: str) -> None:
    with pytest.raises(BirthdayError) as raised:
        parse_birthday(text)
    assert raised.value.reason == "bad_year"
