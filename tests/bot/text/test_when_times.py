"""Clock times alone and with dates, daylight saving, and parse_when_prefix."""

from datetime import UTC, datetime

import pytest

from bot.text.when import parse_when, parse_when_prefix
from tests.bot.text.when_helpers import NEW_YORK, SHANGHAI, WEDNESDAY_0930, read, shown

# Now is Wednesday 2026-11-25 09:30: a time alone is today, or tomorrow once it has passed.
TIMES_ALONE = [
    ("10:00", "2026-11-25 10:00", 1),
    ("9:30", "2026-11-26 09:30", 1),  # exactly now counts as passed
    ("09:00", "2026-11-26 09:00", 1),
    ("23:59", "2026-11-25 23:59", 1),
    ("0:00", "2026-11-26 00:00", 1),
    ("10am", "2026-11-25 10:00", 1),
    ("10AM", "2026-11-25 10:00", 1),
    ("3pm", "2026-11-25 15:00", 1),
    ("3:30pm", "2026-11-25 15:30", 1),
    ("10:00am", "2026-11-25 10:00", 1),
    ("3p.m.", "2026-11-25 15:00", 1),
    ("12am", "2026-11-26 00:00", 1),
    ("12pm", "2026-11-25 12:00", 1),
    ("noon", "2026-11-25 12:00", 1),
    ("3 pm", "2026-11-25 15:00", 2),
    ("10:30 pm", "2026-11-25 22:30", 2),
    ("at 3pm", "2026-11-25 15:00", 2),
    ("10点", "2026-11-25 10:00", 1),
    ("10点钟", "2026-11-25 10:00", 1),
    ("10点整", "2026-11-25 10:00", 1),
    ("10点半", "2026-11-25 10:30", 1),
    ("10点30", "2026-11-25 10:30", 1),
    ("10点30分", "2026-11-25 10:30", 1),
    ("10点05分", "2026-11-25 10:05", 1),
    ("10点5分", "2026-11-25 10:05", 1),
    ("十点", "2026-11-25 10:00", 1),
    ("十点半", "2026-11-25 10:30", 1),
    ("十点一刻", "2026-11-25 10:15", 1),
    ("十点三刻", "2026-11-25 10:45", 1),
    ("十点零五分", "2026-11-25 10:05", 1),
    ("十二点", "2026-11-25 12:00", 1),
    ("十一点二十", "2026-11-25 11:20", 1),
    ("23点", "2026-11-25 23:00", 1),
    ("0点", "2026-11-26 00:00", 1),
    ("8点", "2026-11-26 08:00", 1),
    ("上午10点", "2026-11-25 10:00", 1),
    ("上午十一点", "2026-11-25 11:00", 1),
    ("早上8点", "2026-11-26 08:00", 1),
    ("中午12点", "2026-11-25 12:00", 1),
    ("中午1点", "2026-11-25 13:00", 1),
    ("下午3点", "2026-11-25 15:00", 1),
    ("下午3点半", "2026-11-25 15:30", 1),
    ("下午3:30", "2026-11-25 15:30", 1),
    ("下午两点", "2026-11-25 14:00", 1),
    ("下午15点", "2026-11-25 15:00", 1),
    ("傍晚6点", "2026-11-25 18:00", 1),
    ("晚上8点", "2026-11-25 20:00", 1),
    ("晚8点", "2026-11-25 20:00", 1),
    ("晚上12点", "2026-11-26 00:00", 1),  # midnight at the end of today
    ("晚上1点", "2026-11-26 01:00", 1),
    ("凌晨2点", "2026-11-26 02:00", 1),
]

DATE_AND_TIME = [
    ("friday 10:00", "2026-11-27 10:00", 2),
    ("fri 3pm", "2026-11-27 15:00", 2),
    ("tomorrow 3pm", "2026-11-26 15:00", 2),
    ("tomorrow at 3pm", "2026-11-26 15:00", 3),
    ("tomorrow at 3 pm", "2026-11-26 15:00", 4),
    ("today 9:00", "2026-11-25 09:00", 2),  # an explicit date keeps a past time: the caller decides
    ("next monday 9:30", "2026-11-30 09:30", 3),
    ("in 3 days at 10am", "2026-11-28 10:00", 5),
    ("2026-12-01 10:00", "2026-12-01 10:00", 2),
    ("12-01 14:30", "2026-12-01 14:30", 2),
    ("10am tomorrow", "2026-11-26 10:00", 2),
    ("3pm next friday", "2026-12-04 15:00", 3),
    ("10:00 friday", "2026-11-27 10:00", 2),
    ("dec 1 3pm", "2026-12-01 15:00", 3),
    ("3pm dec 1", "2026-12-01 15:00", 3),
    # Chinese, glued into one word
    ("明天下午3点", "2026-11-26 15:00", 1),
    ("明天上午10点半", "2026-11-26 10:30", 1),
    ("明天10点", "2026-11-26 10:00", 1),
    ("明早9点", "2026-11-26 09:00", 1),
    ("明晚8点", "2026-11-26 20:00", 1),
    ("明晚8点半", "2026-11-26 20:30", 1),
    ("今晚8点", "2026-11-25 20:00", 1),
    ("今天下午3点", "2026-11-25 15:00", 1),
    ("后天晚上7点半", "2026-11-27 19:30", 1),
    ("明天晚上12点", "2026-11-27 00:00", 1),
    ("周五10点", "2026-11-27 10:00", 1),
    ("周五下午3点", "2026-11-27 15:00", 1),
    ("星期五上午十点", "2026-11-27 10:00", 1),
    ("下周一上午10点", "2026-11-30 10:00", 1),
    ("下下周一9点", "2026-12-07 09:00", 1),
    ("12月1日10点", "2026-12-01 10:00", 1),
    ("12月1日下午3点", "2026-12-01 15:00", 1),
    ("2026年12月1日上午9点", "2026-12-01 09:00", 1),
    ("3天后下午2点", "2026-11-28 14:00", 1),
    ("下个月5号10点", "2026-12-05 10:00", 1),
    ("明天14:30", "2026-11-26 14:30", 1),
    # Chinese, date word then a separate time word
    ("明天 下午3点", "2026-11-26 15:00", 2),
    ("明天 10点", "2026-11-26 10:00", 2),
    ("周五 10:00", "2026-11-27 10:00", 2),
    ("下周一 十点半", "2026-11-30 10:30", 2),
    ("明晚 8点", "2026-11-26 20:00", 2),
    ("12月1日 9:30", "2026-12-01 09:30", 2),
    ("下午3点 明天", "2026-11-26 15:00", 2),
    # spans from now name an instant
    ("in 2 hours", "2026-11-25 11:30", 3),
    ("in 30 minutes", "2026-11-25 10:00", 3),
    ("2h", "2026-11-25 11:30", 1),
    ("30min", "2026-11-25 10:00", 1),
    ("2小时后", "2026-11-25 11:30", 1),
    ("两个小时后", "2026-11-25 11:30", 1),
    ("半小时后", "2026-11-25 10:00", 1),
    ("30分钟后", "2026-11-25 10:00", 1),
    ("20小时后", "2026-11-26 05:30", 1),
]


@pytest.mark.parametrize(("text", "expected", "used"), TIMES_ALONE)
def test_time_alone(text: str, expected: str, used: int) -> None:
    assert read(text) == (expected, used)


@pytest.mark.parametrize(("text", "expected", "used"), DATE_AND_TIME)
def test_date_and_time(text: str, expected: str, used: int) -> None:
    assert read(text) == (expected, used)


def test_relative_time_drops_seconds() -> None:
    now = datetime(2026, 11, 25, 9, 30, 42, tzinfo=SHANGHAI)
    assert read("in 2 hours", now=now) == ("2026-11-25 11:30", 3)


def test_greedy_but_stops_at_text() -> None:
    assert read("friday 10:00 call Acme") == ("2026-11-27 10:00", 2)
    assert read("tomorrow at the office") == ("2026-11-26", 1)  # "at" is only taken before a time
    assert read("明天 下午茶") == ("2026-11-26", 1)
    # a time glued to text after a date word is left to the caller
    assert read("周五 10点开会") == ("2026-11-27", 1)


def test_shanghai_instant() -> None:
    when, _ = parse_when(["明天下午3点"], now=WEDNESDAY_0930, tz=SHANGHAI)
    assert when.has_time
    assert when.instant == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_date_without_time_has_no_instant() -> None:
    when, _ = parse_when(["明天"], now=WEDNESDAY_0930, tz=SHANGHAI)
    assert not when.has_time
    assert when.instant is None


# ---- daylight saving (America/New_York: 2026-03-08 02:00 → 03:00, 2026-11-01 02:00 → 01:00) -------


@pytest.mark.parametrize(
    ("now", "text", "instant"),
    [
        # spring forward: 02:30 does not exist; it is read with the old offset, landing at 03:30 EDT
        ("2026-03-07T12:00-05:00", "tomorrow 1:30am", "2026-03-08T06:30Z"),
        ("2026-03-07T12:00-05:00", "tomorrow 2:30am", "2026-03-08T07:30Z"),
        ("2026-03-07T12:00-05:00", "tomorrow 3:30am", "2026-03-08T07:30Z"),
        ("2026-03-07T12:00-05:00", "明天凌晨2点半", "2026-03-08T07:30Z"),
        # wall-clock days: "tomorrow 10:00" is 23 hours away across the jump
        ("2026-03-07T10:00-05:00", "tomorrow 10:00", "2026-03-08T14:00Z"),
        # a time alone, on the morning of the jump, before it
        ("2026-03-08T01:00-05:00", "2:30am", "2026-03-08T07:30Z"),
        # fall back: 01:30 happens twice; a typed time is the first (EDT)
        ("2026-10-31T12:00-04:00", "tomorrow 1:30am", "2026-11-01T05:30Z"),
        ("2026-10-31T12:00-04:00", "tomorrow 12:30am", "2026-11-01T04:30Z"),
        ("2026-10-31T12:00-04:00", "tomorrow 2:30am", "2026-11-01T07:30Z"),
        ("2026-10-31T12:00-04:00", "tomorrow 10:00", "2026-11-01T15:00Z"),
        # spans are elapsed time, and keep the second pass through 01:xx
        ("2026-11-01T00:45-04:00", "in 1 hour", "2026-11-01T05:45Z"),
        ("2026-11-01T00:45-04:00", "in 2 hours", "2026-11-01T06:45Z"),
        ("2026-11-01T00:45-04:00", "2h", "2026-11-01T06:45Z"),
    ],
)
def test_daylight_saving_new_york(now: str, text: str, instant: str) -> None:
    when, _ = parse_when(text.split(), now=datetime.fromisoformat(now), tz=NEW_YORK)
    assert when.instant == datetime.fromisoformat(instant)


def test_second_pass_of_repeated_hour_keeps_its_wall_time() -> None:
    when, _ = parse_when(
        ["in", "2", "hours"], now=datetime.fromisoformat("2026-11-01T00:45-04:00"), tz=NEW_YORK
    )
    assert shown(when) == "2026-11-01 01:45"
    assert when.local_time.fold == 1


def test_days_are_calendar_days_across_dst() -> None:
    now = datetime.fromisoformat("2026-03-07T09:00-05:00")
    assert read("in 3 days", now=now, tz=NEW_YORK) == ("2026-03-10", 3)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when(["today"], now=datetime(2026, 11, 25, 9, 30), tz=SHANGHAI)


# ---- parse_when_prefix: a date glued to the text after it ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("明天下午3点开会", "2026-11-26 15:00", "开会"),
        ("明天打电话给他", "2026-11-26", "打电话给他"),
        ("3天后再联系", "2026-11-28", "再联系"),
        ("下周一发报价 带合同", "2026-11-30", "发报价 带合同"),
        ("10点开会", "2026-11-25 10:00", "开会"),
        ("2小时后回电", "2026-11-25 11:30", "回电"),
        ("周五 10点开会", "2026-11-27 10:00", "开会"),
        ("friday 10:00 call back", "2026-11-27 10:00", "call back"),
        ("tomorrow", "2026-11-26", ""),
        ("today's call", "2026-11-25", "'s call"),
        ("明天下午茶", "2026-11-26 14:00", "茶"),  # a part of the day is its usual hour
        ("明天下午开会", "2026-11-26 14:00", "开会"),
    ],
)
def test_parse_when_prefix(text: str, expected: str, rest: str) -> None:
    found = parse_when_prefix(text, now=WEDNESDAY_0930, tz=SHANGHAI)
    assert found is not None
    assert (shown(found[0]), found[1]) == (expected, rest)


@pytest.mark.parametrize("text", ["friend", "Acme 明天", "", "sunny day"])
def test_parse_when_prefix_not_a_date(text: str) -> None:
    assert parse_when_prefix(text, now=WEDNESDAY_0930, tz=SHANGHAI) is None
