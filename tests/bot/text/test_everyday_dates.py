"""A table of everyday date expressions, Chinese and English, as reps type them after ``next:`` or in
``remind`` / ``snooze``. Every row is read exactly as written here or refused: never a different date.

Reference now: Wednesday 2026-11-25 09:30 in Shanghai (2026 working days follow the official arrangement;
2027 holidays are computed: 元旦 Fri Jan 1, 除夕 Fri Feb 5, 春节 Sat Feb 6, 清明 Mon Apr 5, 五一 Sat May 1,
端午 Wed Jun 9, 中秋 Wed Sep 15, 国庆 Fri Oct 1).
"""

from __future__ import annotations

import pytest

from bot.text.when import WhenError, parse_when_prefix
from tests.bot.text.when_helpers import SHANGHAI, WEDNESDAY_0930, shown

READ = [
    # --- Chinese: days and weeks
    ("今天", "2026-11-25"),
    ("明天", "2026-11-26"),
    ("后天", "2026-11-27"),
    ("大后天", "2026-11-28"),
    ("周五", "2026-11-27"),
    ("星期五", "2026-11-27"),
    ("礼拜五", "2026-11-27"),
    ("下周一", "2026-11-30"),
    ("下个周一", "2026-11-30"),
    ("下下周三", "2026-12-09"),
    ("本周五", "2026-11-27"),
    ("这周日", "2026-11-29"),
    ("下周", "2026-12-02"),
    ("周末", "2026-11-28"),
    ("这周末", "2026-11-28"),
    ("下周末", "2026-12-05"),
    ("下下周末", "2026-12-12"),
    # --- Chinese: months
    ("下个月", "2026-12-25"),
    ("下月初", "2026-12-01"),
    ("下个月初", "2026-12-01"),
    ("下月中", "2026-12-15"),
    ("下个月中旬", "2026-12-15"),
    ("下个月下旬", "2026-12-21"),
    ("下月底", "2026-12-31"),
    ("月初", "2026-12-01"),
    ("月中", "2026-12-15"),
    ("月底", "2026-11-30"),
    ("月底前", "2026-11-30"),
    ("月末", "2026-11-30"),
    ("下个月5号", "2026-12-05"),
    ("12月1日", "2026-12-01"),
    ("12月1号", "2026-12-01"),
    ("2027年1月8日", "2027-01-08"),
    ("30号", "2026-11-30"),
    ("1号", "2026-12-01"),
    # --- Chinese: spans
    ("3天后", "2026-11-28"),
    ("三天后", "2026-11-28"),
    ("两天后", "2026-11-27"),
    ("2天", "2026-11-27"),
    ("两天", "2026-11-27"),
    ("过两天", "2026-11-27"),
    ("过3天", "2026-11-28"),
    ("一周后", "2026-12-02"),
    ("一周", "2026-12-02"),
    ("两周后", "2026-12-09"),
    ("一个月后", "2026-12-25"),
    ("半个月后", "2026-12-10"),
    ("半个月", "2026-12-10"),
    ("半年后", "2027-05-25"),
    ("3天内", "2026-11-28"),
    ("2小时后", "2026-11-25 11:30"),
    ("半小时后", "2026-11-25 10:00"),
    ("30分钟后", "2026-11-25 10:00"),
    ("下个工作日", "2026-11-26"),
    ("3个工作日后", "2026-11-30"),
    # --- Chinese: parts of the day and clock times
    ("明天上午", "2026-11-26 09:00"),
    ("明天中午", "2026-11-26 12:00"),
    ("明天下午", "2026-11-26 14:00"),
    ("明天下午3点", "2026-11-26 15:00"),
    ("明天下午3点半", "2026-11-26 15:30"),
    ("明天晚上8点", "2026-11-26 20:00"),
    ("明早", "2026-11-26 09:00"),
    ("明晚", "2026-11-26 20:00"),
    ("今晚", "2026-11-25 20:00"),
    ("中午", "2026-11-25 12:00"),
    ("傍晚", "2026-11-25 18:00"),
    ("下午", "2026-11-25 14:00"),
    ("后天上午", "2026-11-27 09:00"),
    ("周六下午", "2026-11-28 14:00"),
    ("周五 10点", "2026-11-27 10:00"),
    ("下周一上午10点", "2026-11-30 10:00"),
    ("下周末上午", "2026-12-05 09:00"),
    ("10点", "2026-11-25 10:00"),
    ("15:00", "2026-11-25 15:00"),
    # --- Chinese: holidays
    ("元旦", "2027-01-01"),
    ("元旦后", "2027-01-04"),
    ("元旦前", "2026-12-31"),
    ("春节", "2027-02-06"),
    ("春节前", "2027-02-04"),
    ("春节后", "2027-02-15"),
    ("春节后第一个周一", "2027-02-15"),
    ("除夕", "2027-02-05"),
    ("清明节", "2027-04-05"),
    ("五一", "2027-05-01"),
    ("五一后", "2027-05-06"),
    ("五一前", "2027-04-30"),
    ("端午节", "2027-06-09"),
    ("中秋节", "2027-09-15"),
    ("国庆节", "2027-10-01"),
    ("国庆节后", "2027-10-08"),
    ("国庆节后 上午10点", "2027-10-08 10:00"),
    ("国庆后", "2027-10-08"),
    ("圣诞节", "2026-12-25"),
    # --- English
    ("today", "2026-11-25"),
    ("tomorrow", "2026-11-26"),
    ("tomorrow at 3pm", "2026-11-26 15:00"),
    ("tomorrow at 10", "2026-11-26 10:00"),
    ("tomorrow at 7", "2026-11-26 07:00"),
    ("tomorrow morning", "2026-11-26 09:00"),
    ("tomorrow afternoon", "2026-11-26 14:00"),
    ("tomorrow evening", "2026-11-26 20:00"),
    ("tomorrow in the afternoon", "2026-11-26 14:00"),
    ("tonight", "2026-11-25 20:00"),
    ("this afternoon", "2026-11-25 14:00"),
    ("day after tomorrow", "2026-11-27"),
    ("friday", "2026-11-27"),
    ("friday 10:00", "2026-11-27 10:00"),
    ("friday at 10am", "2026-11-27 10:00"),
    ("this friday", "2026-11-27"),
    ("next monday", "2026-11-30"),
    ("next week", "2026-12-02"),
    ("next month", "2026-12-25"),
    ("this weekend", "2026-11-28"),
    ("next weekend", "2026-12-05"),
    ("end of month", "2026-11-30"),
    ("end of next month", "2026-12-31"),
    ("mid next month", "2026-12-15"),
    ("early next month", "2026-12-01"),
    ("end of week", "2026-11-27"),
    ("in 3 days", "2026-11-28"),
    ("in a week", "2026-12-02"),
    ("in 2 weeks", "2026-12-09"),
    ("2 weeks", "2026-12-09"),
    ("3d", "2026-11-28"),
    ("2w", "2026-12-09"),
    ("in 2 hours", "2026-11-25 11:30"),
    ("in half an hour", "2026-11-25 10:00"),
    ("next working day", "2026-11-26"),
    ("dec 1", "2026-12-01"),
    ("2026-12-01", "2026-12-01"),
    ("12/01", "2026-12-01"),
    ("christmas", "2026-12-25"),
    ("chinese new year", "2027-02-06"),
    ("after chinese new year", "2027-02-15"),
    ("before national day", "2027-09-30"),
    ("new year's day", "2027-01-01"),
    ("noon", "2026-11-25 12:00"),
    ("3pm", "2026-11-25 15:00"),
]

REFUSED = [
    "改天", "改天再约", "过几天", "过段时间", "回头", "有空", "最近", "later", "soon", "someday",
    "in a few days", "3点", "明天3点", "tomorrow at 3", "凌晨", "下周一末", "明天3",
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), READ)
def test_everyday_expression_is_read(text: str, expected: str) -> None:
    found = parse_when_prefix(text, now=WEDNESDAY_0930, tz=SHANGHAI)
    assert found is not None, f"{text!r} was not read"
    assert (shown(found[0]), found[1]) == (expected, "")


@pytest.mark.parametrize("text", REFUSED)
def test_vague_or_ambiguous_expression_is_refused(text: str) -> None:
    with pytest.raises(WhenError):
        parse_when_prefix(text, now=WEDNESDAY_0930, tz=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected", "step"),
    [
        ("下周末去拜访", "2026-12-05", "去拜访"),
        ("下月初发报价", "2026-12-01", "发报价"),
        ("春节后第一个周一上午10点开会", "2027-02-15 10:00", "开会"),
        ("明天下午开会", "2026-11-26 14:00", "开会"),
        ("月底前回款", "2026-11-30", "回款"),
        ("过两天打电话", "2026-11-27", "打电话"),
        ("国庆节后 上午10点 拜访", "2027-10-08 10:00", "拜访"),
    ],
)
def test_date_glued_to_step_text_splits_at_the_word_boundary(text: str, expected: str, step: str) -> None:
    found = parse_when_prefix(text, now=WEDNESDAY_0930, tz=SHANGHAI)
    assert found is not None
    assert (shown(found[0]), found[1]) == (expected, step)


def test_the_table_is_large_enough() -> None:
    assert len(READ) + len(REFUSED) >= 100
