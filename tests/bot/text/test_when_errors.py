"""Text written as a date or time that names none raises WhenError with a reason code."""

from datetime import datetime

import pytest

from bot.text.when import WhenError, parse_when, parse_when_prefix
from tests.bot.text.when_helpers import SHANGHAI, WEDNESDAY_0930


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-02-30", "bad_date"),
        ("2026-13-01", "bad_date"),
        ("2026-00-10", "bad_date"),
        ("2027-02-29", "bad_date"),
        ("02-30", "bad_date"),  # no year has it
        ("13-01", "bad_date"),
        ("2026年2月30日", "bad_date"),
        ("2月30日", "bad_date"),
        ("13月1日", "bad_date"),
        ("32号", "bad_date"),
        ("0号", "bad_date"),
        ("in 99999999 days", "bad_date"),
        ("feb 30", "bad_date"),
        ("in 99999999 hours", "bad_date"),
        ("13:99", "bad_time"),
        ("10:60", "bad_time"),
        ("24:00", "bad_time"),
        ("25点", "bad_time"),
        ("10点60分", "bad_time"),
        ("13pm", "bad_time"),
        ("0am", "bad_time"),
        ("上午15点", "bad_time"),
        ("下午20点", "bad_time"),
        ("tomorrow 13:99", "bad_time"),
        ("明天25点", "bad_time"),
        ("friday 25:00", "bad_time"),
        # a part of the day without an hour, or an hour that could be either half of the day
        ("凌晨", "vague_time"),
        ("明天凌晨", "vague_time"),
        ("tomorrow at 3", "vague_time"),  # 1–6 could be either half of the day, as 3点
        # a promise of a day that names none
        ("改天", "vague_date"),
        ("过几天", "vague_date"),
        ("回头", "vague_date"),
        ("later", "vague_date"),
        ("in a few days", "vague_date"),
        ("3点", "vague_time"),
        ("两点", "vague_time"),
        ("明天3点", "vague_time"),
        ("周五 6点半", "vague_time"),
    ],
)
def test_when_error(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as raised:
        parse_when(text.split(), now=WEDNESDAY_0930, tz=SHANGHAI)
    assert raised.value.reason == reason
    assert raised.value.text  # the offending text, for the message


def test_when_error_is_a_value_error_naming_the_text() -> None:
    with pytest.raises(ValueError, match="2026-02-30"):
        parse_when(["2026-02-30"], now=WEDNESDAY_0930, tz=SHANGHAI)


def test_leap_day_in_a_leap_year_is_fine() -> None:
    found = parse_when(["2028-02-29"], now=WEDNESDAY_0930, tz=SHANGHAI)
    assert found is not None and found[0].local_date.isoformat() == "2028-02-29"


def test_day_that_next_month_lacks() -> None:
    january = datetime(2026, 1, 10, 9, tzinfo=SHANGHAI)
    with pytest.raises(WhenError) as raised:
        parse_when(["下个月30号"], now=january, tz=SHANGHAI)
    assert raised.value.reason == "bad_date"


def test_vague_day_glued_to_text_in_prefix_mode() -> None:
    with pytest.raises(WhenError) as raised:
        parse_when_prefix("改天再约", now=WEDNESDAY_0930, tz=SHANGHAI)
    assert raised.value.reason == "vague_date"


@pytest.mark.parametrize("text", ["下周一末", "明天3", "下周三月", "周五前后"])
def test_a_date_glued_to_text_splits_only_at_a_word_boundary(text: str) -> None:
    # Splitting "下周一" off "下周一末" would record a date nobody meant: refuse instead.
    with pytest.raises(WhenError) as raised:
        parse_when_prefix(text, now=WEDNESDAY_0930, tz=SHANGHAI)
    assert raised.value.reason == "not_a_date"


def test_whole_word_mode_leaves_glued_text_alone() -> None:
    # As a whole word "明晚见" ("see you tomorrow night") is not a date word at all.
    assert parse_when(["明晚见"], now=WEDNESDAY_0930, tz=SHANGHAI) is None
    assert parse_when(["6点半的会"], now=WEDNESDAY_0930, tz=SHANGHAI) is None
