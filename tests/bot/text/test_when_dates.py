"""Date words, read on Wednesday 2026-11-25 (Asia/Shanghai) unless a test says otherwise."""

from datetime import datetime

import pytest

from bot.text.when import parse_when
from tests.bot.text.when_helpers import SHANGHAI, read

# (text, date it means, words used)
ENGLISH_DATES = [
    ("2026-12-01", "2026-12-01", 1),
    ("2026/12/01", "2026-12-01", 1),
    ("2026.12.1", "2026-12-01", 1),
    ("2026-12-1", "2026-12-01", 1),
    ("1985-03-02", "1985-03-02", 1),
    ("12-01", "2026-12-01", 1),
    ("12/01", "2026-12-01", 1),
    ("12/1", "2026-12-01", 1),
    ("11-25", "2026-11-25", 1),  # today still counts as this year
    ("11-24", "2027-11-24", 1),  # yesterday's date means next year
    ("01-05", "2027-01-05", 1),
    ("today", "2026-11-25", 1),
    ("TODAY", "2026-11-25", 1),
    ("tomorrow", "2026-11-26", 1),
    ("Tomorrow", "2026-11-26", 1),
    ("tmr", "2026-11-26", 1),
    ("tmrw", "2026-11-26", 1),
    ("yesterday", "2026-11-24", 1),
    # a weekday is the next one strictly after today
    ("friday", "2026-11-27", 1),
    ("fri", "2026-11-27", 1),
    ("Fri", "2026-11-27", 1),
    ("thu", "2026-11-26", 1),
    ("thurs", "2026-11-26", 1),
    ("sat", "2026-11-28", 1),
    ("sunday", "2026-11-29", 1),
    ("mon", "2026-11-30", 1),
    ("tues", "2026-12-01", 1),
    ("wednesday", "2026-12-02", 1),  # today is Wednesday: a week ahead
    ("wed", "2026-12-02", 1),
    # next <weekday> is that day of next calendar week (weeks start on Monday)
    ("next monday", "2026-11-30", 2),
    ("next friday", "2026-12-04", 2),
    ("next wednesday", "2026-12-02", 2),
    ("next sun", "2026-12-06", 2),
    ("last friday", "2026-11-20", 2),
    ("last wednesday", "2026-11-18", 2),
    ("next week", "2026-12-02", 2),
    ("next month", "2026-12-25", 2),
    ("in 3 days", "2026-11-28", 3),
    ("in 1 day", "2026-11-26", 3),
    ("in 2 weeks", "2026-12-09", 3),
    ("in a week", "2026-12-02", 3),
    ("in one month", "2026-12-25", 3),
    ("in 2 months", "2027-01-25", 3),
    ("2 days ago", "2026-11-23", 3),
    ("3d", "2026-11-28", 1),
    ("0d", "2026-11-25", 1),
    ("2w", "2026-12-09", 1),
    ("1m", "2026-12-25", 1),
    ("1y", "2027-11-25", 1),
    ("eom", "2026-11-30", 1),
    ("dec 1", "2026-12-01", 2),
    ("December 1st", "2026-12-01", 2),
    ("1 dec", "2026-12-01", 2),
    ("jan 5", "2027-01-05", 2),
    ("Nov 24th", "2027-11-24", 2),
]

CHINESE_DATES = [
    ("今天", "2026-11-25", 1),
    ("明年3月31日", "2027-03-31", 1),  # a contract's end, said the way reps say it
    ("明年三月底", "2027-03-31", 1),
    ("明年1月", "2027-01-01", 1),
    ("今年12月20号", "2026-12-20", 1),
    ("后年2月1日", "2028-02-01", 1),
    ("明天", "2026-11-26", 1),
    ("明日", "2026-11-26", 1),
    ("后天", "2026-11-27", 1),
    ("大后天", "2026-11-28", 1),
    ("昨天", "2026-11-24", 1),
    ("前天", "2026-11-23", 1),
    ("周五", "2026-11-27", 1),
    ("星期五", "2026-11-27", 1),
    ("礼拜五", "2026-11-27", 1),
    ("周5", "2026-11-27", 1),
    ("周三", "2026-12-02", 1),  # today is Wednesday: a week ahead
    ("周日", "2026-11-29", 1),
    ("星期天", "2026-11-29", 1),
    ("礼拜天", "2026-11-29", 1),
    ("下周一", "2026-11-30", 1),
    ("下周五", "2026-12-04", 1),
    ("下星期三", "2026-12-02", 1),
    ("下礼拜日", "2026-12-06", 1),
    ("下下周一", "2026-12-07", 1),
    ("本周五", "2026-11-27", 1),
    ("这周一", "2026-11-23", 1),  # this week's Monday, already past: the caller decides
    ("上周五", "2026-11-20", 1),
    ("下周", "2026-12-02", 1),
    ("下下周", "2026-12-09", 1),
    ("3天后", "2026-11-28", 1),
    ("三天后", "2026-11-28", 1),
    ("3天以后", "2026-11-28", 1),
    ("3天之后", "2026-11-28", 1),
    ("3日后", "2026-11-28", 1),
    ("十天后", "2026-12-05", 1),
    ("二十天后", "2026-12-15", 1),
    ("两周后", "2026-12-09", 1),
    ("2个星期后", "2026-12-09", 1),
    ("两个礼拜后", "2026-12-09", 1),
    ("一个月后", "2026-12-25", 1),
    ("3个月后", "2027-02-25", 1),
    ("1年后", "2027-11-25", 1),
    ("3天前", "2026-11-22", 1),
    ("下个月", "2026-12-25", 1),
    ("下月", "2026-12-25", 1),
    ("下个月5号", "2026-12-05", 1),
    ("下月底", "2026-12-31", 1),
    ("月底", "2026-11-30", 1),
    ("月末", "2026-11-30", 1),
    ("本月20号", "2026-11-20", 1),
    ("12月1日", "2026-12-01", 1),
    ("12月1号", "2026-12-01", 1),
    ("12月1", "2026-12-01", 1),
    ("十二月一日", "2026-12-01", 1),
    ("十二月一号", "2026-12-01", 1),
    ("1月5日", "2027-01-05", 1),
    ("2026年12月1日", "2026-12-01", 1),
    ("2027年1月5日", "2027-01-05", 1),
    ("15号", "2026-12-15", 1),  # the 15th has passed this month
    ("30号", "2026-11-30", 1),
    ("25号", "2026-11-25", 1),
    ("二十号", "2026-12-20", 1),
]


@pytest.mark.parametrize(("text", "expected", "used"), ENGLISH_DATES)
def test_english_dates(text: str, expected: str, used: int) -> None:
    assert read(text) == (expected, used)


@pytest.mark.parametrize(("text", "expected", "used"), CHINESE_DATES)
def test_chinese_dates(text: str, expected: str, used: int) -> None:
    assert read(text) == (expected, used)


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        # year rollover for dates written without a year
        ("2026-12-15", "12-01", "2027-12-01"),
        ("2026-12-15", "12月1日", "2027-12-01"),
        ("2026-12-15", "01-05", "2027-01-05"),
        ("2026-12-15", "1月5号", "2027-01-05"),
        ("2026-12-15", "12-31", "2026-12-31"),
        ("2026-12-31", "tomorrow", "2027-01-01"),
        ("2026-12-31", "明天", "2027-01-01"),
        ("2026-12-15", "下个月", "2027-01-15"),
        ("2026-12-15", "下个月5号", "2027-01-05"),
        # Feb 29 without a year waits for the next leap year
        ("2026-03-01", "02-29", "2028-02-29"),
        ("2028-01-10", "2月29日", "2028-02-29"),
        # month arithmetic clamps to the end of the month
        ("2026-01-31", "1m", "2026-02-28"),
        ("2026-01-31", "一个月后", "2026-02-28"),
        ("2026-01-31", "下个月", "2026-02-28"),
        ("2026-01-31", "in 1 month", "2026-02-28"),
        ("2028-01-31", "1m", "2028-02-29"),
        ("2026-03-31", "1m", "2026-04-30"),
        ("2026-08-31", "2m", "2026-10-31"),
        ("2028-02-29", "1y", "2029-02-28"),
        ("2026-02-10", "eom", "2026-02-28"),
        ("2026-02-10", "月底", "2026-02-28"),
        # a day of the month alone skips months that lack it
        ("2026-11-15", "31号", "2026-12-31"),
        ("2026-02-01", "30号", "2026-03-30"),
        # on a Friday, "friday" is next week's and 本周五 is today
        ("2026-11-27", "friday", "2026-12-04"),
        ("2026-11-27", "周五", "2026-12-04"),
        ("2026-11-27", "本周五", "2026-11-27"),
        ("2026-11-27", "下周五", "2026-12-04"),
        # on a Sunday, next week starts tomorrow
        ("2026-11-29", "下周一", "2026-11-30"),
        ("2026-11-29", "next monday", "2026-11-30"),
        ("2026-11-29", "monday", "2026-11-30"),
        ("2026-11-29", "本周日", "2026-11-29"),
    ],
)
def test_dates_relative_to_other_days(today: str, text: str, expected: str) -> None:
    now = datetime.fromisoformat(today).replace(hour=9, tzinfo=SHANGHAI)
    assert read(text, now=now)[0] == expected


def test_today_is_the_users_date_not_utcs() -> None:
    # 20:00 UTC on the 25th is already 04:00 on the 26th in Shanghai.
    late_utc = datetime.fromisoformat("2026-11-25T20:00:00+00:00")
    assert read("today", now=late_utc) == ("2026-11-26", 1)
    assert read("明天", now=late_utc) == ("2026-11-27", 1)


@pytest.mark.parametrize(
    "text",
    [
        "Acme",
        "call him",
        "#12",
        "10",
        "1000",
        "3:2",
        "friend",  # starts with "fri"
        "sunny",
        "todays",
        "3days",
        "next time",
        "in the morning",
        "in 3 apples",
        "last",
        "本月",  # names no day
        "下午茶",
        "may call",  # a month name needs a day
        "早",  # "early", not a part of the day
        "晚",
        "明天再说",  # a date glued to text: see parse_when_prefix
    ],
)
def test_not_a_date(text: str) -> None:
    assert parse_when(text.split(), now=datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI), tz=SHANGHAI) is None


def test_empty_words() -> None:
    assert parse_when([], now=datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI), tz=SHANGHAI) is None


def test_only_the_date_words_are_used() -> None:
    assert read("tomorrow call Acme") == ("2026-11-26", 1)
    assert read("in 3 days send quote") == ("2026-11-28", 3)
    assert read("下周一 发报价") == ("2026-11-30", 1)
