from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.text.when import When, format_when
from tests.bot.text.when_helpers import NEW_YORK, SHANGHAI

FRIDAY_10 = When(date(2026, 11, 27), time(10, 0), SHANGHAI)
FRIDAY = When(date(2026, 11, 27), None, SHANGHAI)


@pytest.mark.parametrize(
    ("when", "lang", "expected"),
    [
        (FRIDAY_10, "en", "Fri 2026-11-27 10:00"),
        (FRIDAY_10, "zh", "11月27日 周五 10:00"),
        (FRIDAY, "en", "Fri 2026-11-27"),
        (FRIDAY, "zh", "11月27日 周五"),
        (FRIDAY_10, "zh-CN", "11月27日 周五 10:00"),
        (FRIDAY_10, "en-US", "Fri 2026-11-27 10:00"),
        (FRIDAY_10, "fr", "Fri 2026-11-27 10:00"),
        (When(date(2026, 11, 29), time(9, 5), SHANGHAI), "zh", "11月29日 周日 09:05"),
        (When(date(2026, 11, 29), time(9, 5), SHANGHAI), "en", "Sun 2026-11-29 09:05"),
    ],
)
def test_format_when(when: When, lang: str, expected: str) -> None:
    assert format_when(when, lang) == expected


def test_chinese_shows_the_year_only_when_it_is_not_this_year() -> None:
    next_year = When(date(2027, 1, 5), None, SHANGHAI)
    assert format_when(next_year, "zh", today=date(2026, 12, 15)) == "2027年1月5日 周二"
    assert format_when(next_year, "zh", today=date(2027, 1, 1)) == "1月5日 周二"
    assert format_when(next_year, "en", today=date(2026, 12, 15)) == "Tue 2027-01-05"


def test_time_in_a_dst_gap_is_shown_as_the_clock_will_read() -> None:
    gap = When(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert format_when(gap, "en") == "Sun 2026-03-08 03:30"


def test_when_rejects_an_aware_local_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        When(date(2026, 11, 27), time(10, 0, tzinfo=ZoneInfo("UTC")), SHANGHAI)


def test_instant_is_utc() -> None:
    assert FRIDAY_10.instant == datetime.fromisoformat("2026-11-27T02:00:00+00:00")
