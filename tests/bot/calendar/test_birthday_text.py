"""Reading birthdays the way reps type them, refusing what cannot exist, and writing them back."""

from __future__ import annotations

import pytest

from bot.calendar.birthdays import Birthday, BirthdayError, format_birthday, parse_birthday


def solar(month: int, day: int, year: int | None = None) -> Birthday:
    return Birthday(month, day, year=year)


def lunar(month: int, day: int, year: int | None = None, *, leap: bool = False) -> Birthday:
    return Birthday(month, day, is_lunar=True, is_leap_month=leap, year=year)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # solar, numeric (always month first)
        ("1985-03-02", solar(3, 2, 1985)),
        ("1985/3/2", solar(3, 2, 1985)),
        ("1985.3.2", solar(3, 2, 1985)),
        ("03-02", solar(3, 2)),
        ("3-2", solar(3, 2)),
        ("3/2", solar(3, 2)),
        ("02-29", solar(2, 29)),  # valid without a year: celebrated on Feb 28 in common years
        ("2024-02-29", solar(2, 29, 2024)),
        ("  1985-03-02 ", solar(3, 2, 1985)),
        ("１９８５－０３－０２", solar(3, 2, 1985)),  # full-width, as Chinese IMEs type it
        # solar, Chinese
        ("3月2日", solar(3, 2)),
        ("3月2号", solar(3, 2)),
        ("1985年3月2日", solar(3, 2, 1985)),
        ("1985 年 3 月 2 日", solar(3, 2, 1985)),
        ("阳历3月2日", solar(3, 2)),
        ("公历1985-03-02", solar(3, 2, 1985)),
        # solar, English
        ("Mar 2", solar(3, 2)),
        ("March 2, 1985", solar(3, 2, 1985)),
        ("2 March 1985", solar(3, 2, 1985)),
        ("sept 30", solar(9, 30)),
        # lunar, Chinese
        ("农历三月初五", lunar(3, 5)),
        ("农历闰四月初五", lunar(4, 5, leap=True)),
        ("农历1985年三月初五", lunar(3, 5, 1985)),
        ("农历3月5日", lunar(3, 5)),
        ("农历3月5号", lunar(3, 5)),
        ("农历闰4月5日", lunar(4, 5, leap=True)),
        ("农历十一月廿三", lunar(11, 23)),
        ("农历冬月廿三", lunar(11, 23)),
        ("农历腊月三十", lunar(12, 30)),
        ("农历十二月二十九", lunar(12, 29)),
        ("农历正月初一", lunar(1, 1)),
        ("农历一月初十", lunar(1, 10)),
        ("农历八月十五", lunar(8, 15)),
        ("农历八月二十", lunar(8, 20)),
        ("农历2023年闰二月初三", lunar(2, 3, 2023, leap=True)),  # 2023 had a leap 2nd month
        ("农历 1985-3-5", lunar(3, 5, 1985)),
        ("阴历三月初五", lunar(3, 5)),
        ("阴历闰六月初一", lunar(6, 1, leap=True)),
        # lunar, English
        ("lunar 3-5", lunar(3, 5)),
        ("Lunar leap 4-5", lunar(4, 5, leap=True)),
        ("lunar 1985/3/5", lunar(3, 5, 1985)),
        ("lunar leap 2025/6/1", lunar(6, 1, 2025, leap=True)),
    ],
)
def test_accepted_forms(text: str, expected: Birthday) -> None:
    assert parse_birthday(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("next tuesday", "bad_format"),
        ("85-3-2", "bad_format"),  # two-digit years are never guessed
        ("1985-3", "bad_format"),
        ("2/3/1985", "bad_format"),  # US month/day/year is not guessed either
        ("3月", "bad_format"),
        ("农历三月", "bad_format"),
        ("农历三月初初", "bad_format"),
        ("lunar", "bad_format"),
        ("Marchember 2", "bad_format"),
        ("2023-02-29", "bad_date"),  # 2023 is a common year
        ("1900-02-29", "bad_year"),  # before the verified calendar range
        ("04-31", "bad_date"),
        ("13-01", "bad_date"),
        ("0-5", "bad_date"),
        ("农历十三月初一", "bad_date"),
        ("农历三月三十一", "bad_date"),
        ("lunar 3-31", "bad_date"),
        ("农历2023年正月三十", "bad_date"),  # 正月 2023 had 29 days
        ("农历2023年闰二月三十", "bad_date"),  # leap 2nd month of 2023 had 29 days (the regular one had 30)
        ("农历2026年闰四月初五", "no_leap_month"),  # 2026 has no leap month at all
        ("农历2025年闰五月初五", "no_leap_month"),  # 2025's leap month is the 6th
        ("1899-01-01", "bad_year"),
        ("农历2101年三月初五", "bad_year"),
    ],
)
def test_rejections_carry_a_reason(text: str, reason: str) -> None:
    with pytest.raises(BirthdayError) as caught:
        parse_birthday(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_birthday_cannot_be_built_impossible() -> None:
    """Rows loaded from storage go through the same checks as typed text."""
    with pytest.raises(BirthdayError) as caught:
        Birthday(2, 30)
    assert caught.value.reason == "bad_date"
    with pytest.raises(BirthdayError) as caught:
        Birthday(4, 5, is_leap_month=True)  # a solar date has no leap month
    assert caught.value.reason == "bad_date"


@pytest.mark.parametrize(
    ("birthday", "zh", "en"),
    [
        (solar(3, 2), "3月2日", "Mar 2"),
        (solar(3, 2, 1985), "1985年3月2日", "1985-03-02"),
        (solar(2, 29), "2月29日", "Feb 29"),
        (lunar(3, 5), "农历三月初五", "lunar 3/5"),
        (lunar(4, 5, leap=True), "农历闰四月初五", "lunar leap 4/5"),
        (lunar(3, 5, 1985), "农历1985年三月初五", "lunar 1985/3/5"),
        (lunar(1, 1), "农历正月初一", "lunar 1/1"),
        (lunar(11, 23), "农历十一月廿三", "lunar 11/23"),
        (lunar(12, 30), "农历十二月三十", "lunar 12/30"),
        (lunar(2, 10, 2023, leap=True), "农历2023年闰二月初十", "lunar leap 2023/2/10"),
    ],
)
def test_format_in_both_languages_and_parse_back(birthday: Birthday, zh: str, en: str) -> None:
    assert format_birthday(birthday, "zh") == zh
    assert format_birthday(birthday, "zh-CN") == zh
    assert format_birthday(birthday, "en") == en
    assert format_birthday(birthday, "en_US") == en
    assert parse_birthday(zh) == birthday
    assert parse_birthday(en) == birthday


def test_format_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        format_birthday(solar(3, 2), "fr")
