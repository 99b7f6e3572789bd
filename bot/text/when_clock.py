"""Reading a wall-clock time at the start of one word: ``10:00``, ``3pm``, ``3:30pm``, ``noon``,
``10点``, ``10点半``, ``十点三十分``, ``下午3点``, ``晚上8点``, ``下午3:30``.

Ambiguity rules (each one documented because each one decides when a reminder rings):

* ``H:MM`` is 24-hour: ``3:00`` is 03:00. Write ``3pm`` or ``15:00`` for the afternoon.
* A Chinese hour without a part of the day is taken as written when it is unambiguous in practice
  (``0点``, ``7点``–``12点``, ``13点``–``23点``), but ``1点``–``6点`` could be either half of the day and
  nobody wants a 3 a.m. reminder, so they raise ``WhenError("vague_time")``: say ``下午3点`` or ``15点``.
* A part of the day shifts the hour: ``下午3点`` = 15:00, ``中午1点`` = 13:00, ``晚上8点`` = 20:00;
  ``晚上12点`` and ``晚上1点``–``4点`` are after midnight, i.e. on the next day (``day_shift`` = 1).
* A part of the day with no hour is its usual hour for a rep (:data:`PERIOD_HOURS`): ``上午`` / ``早上`` /
  ``morning`` 09:00, ``中午`` / ``noon`` 12:00, ``下午`` / ``afternoon`` 14:00, ``傍晚`` 18:00, ``晚上`` /
  ``今晚`` / ``tonight`` 20:00. ``凌晨`` alone still raises ``vague_time`` (nobody wants that reminder),
  and the bare one-character ``早`` / ``晚`` is not a time (it means "early" / "late" as often).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.text.numerals import NUMBER_PATTERN, parse_cn_number
from bot.text.when_types import WhenError

__all__ = ["PERIOD_HOURS", "Clock", "hour_in_period", "period_clock", "read_clock", "split_period"]


@dataclass(frozen=True)
class Clock:
    """A wall-clock time read from text; ``day_shift`` is 1 when it falls after that day's midnight."""

    hour: int
    minute: int
    day_shift: int = 0

    def as_time(self) -> time:
        return time(self.hour, self.minute)


# Part-of-day words, mapped to the rule that turns a written hour into a 24-hour one.
_PERIODS = {
    "凌晨": "small_hours",
    "半夜": "small_hours",
    "上午": "morning",
    "早上": "morning",
    "早晨": "morning",
    "清晨": "morning",
    "早": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "傍晚": "afternoon",
    "晚上": "evening",
    "夜里": "evening",
    "夜晚": "evening",
    "晚": "evening",
}
_PERIOD = re.compile("|".join(sorted(_PERIODS, key=len, reverse=True)))

#: The hour a part of the day means when no hour is written, by period rule (``明晚`` → evening → 20:00).
PERIOD_HOURS = {"morning": 9, "noon": 12, "afternoon": 14, "evening": 20}
# Words whose usual hour differs from their rule's.
_WORD_HOURS = {"傍晚": 18}

_COLON = re.compile(r"(\d{1,2}):(\d{2})(?![\d:])(am|pm|a\.m\.|p\.m\.)?(?![a-z])")
_AM_PM = re.compile(r"(\d{1,2})(am|pm|a\.m\.|p\.m\.)(?![a-z])")
_NOON = re.compile(r"noon(?![a-z])")
_CN_CLOCK = re.compile(
    rf"(?P<hour>{NUMBER_PATTERN})[点點](?:钟|鐘)?"
    rf"(?:(?P<half>半)|(?P<quarter>[一三])刻|(?P<sharp>整)|(?P<minute>{NUMBER_PATTERN})分?)?"
)


def split_period(text: str) -> tuple[str | None, str]:
    """Split a leading part-of-day word off ``text``: ``("afternoon", "3点")`` for ``下午3点``."""
    match = _PERIOD.match(text)
    if match is None:
        return None, text
    return _PERIODS[match.group()], text[match.end() :]


def read_clock(text: str, period: str | None = None, *, whole: bool = False) -> tuple[Clock, str] | None:
    """Read a clock time at the start of ``text`` (lower-cased); return it with the unread rest.

    ``period`` is a part of the day already given by a date word (``明晚`` → evening); a part-of-day
    word in ``text`` overrides it. With ``whole``, only a clock time filling all of ``text`` counts
    (``6点半的会`` is then not a time, rather than a vague one). Returns None when ``text`` does not
    start with a clock time and raises :class:`WhenError` when it does but the time does not exist.
    """
    own_period, rest = split_period(text)
    if own_period is not None:
        if not rest and len(text) == 1:
            return None  # "早" / "晚" alone mean "early" / "late" at least as often as a part of the day
        period = own_period
    found = _match_clock(rest, own_period is not None)
    if found is not None and not (whole and found.end() != len(rest)):
        return _to_clock(found, period, text), rest[found.end() :]
    if own_period is None or (whole and rest) or (len(text) - len(rest) == 1):
        return None  # "下午茶" as a whole word is not a time; "早点" is not "morning + 点"
    word = text[: len(text) - len(rest)]
    return period_clock(own_period, word, text), rest


def hour_in_period(hour: int, period: str, text: str) -> Clock:
    """A bare hour read in a part of the day (``tomorrow afternoon at 3`` → 15:00), by the rules above."""
    return _with_period(hour, 0, period, text)


def period_clock(period: str, word: str, text: str) -> Clock:
    """The usual hour of a part of the day typed without one (``下午`` → 14:00); ``vague_time`` for 凌晨."""
    hour = _WORD_HOURS.get(word, PERIOD_HOURS.get(period))
    if hour is None:
        raise WhenError("vague_time", text)
    return Clock(hour, 0)


def _match_clock(text: str, after_period: bool) -> re.Match[str] | None:
    if (match := _COLON.match(text)) or (match := _CN_CLOCK.match(text)):
        return match
    if after_period:
        return None  # "下午茶": a part-of-day word starting ordinary text; "下午3pm" is not a time
    return _AM_PM.match(text) or _NOON.match(text)


def _to_clock(match: re.Match[str], period: str | None, text: str) -> Clock:
    if match.re is _NOON:
        return Clock(12, 0)
    if match.re is _AM_PM:
        return _with_am_pm(int(match.group(1)), 0, match.group(2), match.group())
    if match.re is _COLON:
        hour, minute = int(match.group(1)), int(match.group(2))
        if minute > 59:
            raise WhenError("bad_time", match.group())
        if match.group(3):
            return _with_am_pm(hour, minute, match.group(3), match.group())
        if period is None:
            if hour > 23:
                raise WhenError("bad_time", match.group())
            return Clock(hour, minute)
        return _with_period(hour, minute, period, text)
    cn_hour, cn_minute = parse_cn_number(match.group("hour")), _cn_minute(match)
    if cn_hour is None or cn_minute is None:
        raise WhenError("bad_time", match.group())  # "十十点": written as a time, but not a number
    hour, minute = cn_hour, cn_minute
    if minute > 59:
        raise WhenError("bad_time", match.group())
    if period is None:
        return _without_period(hour, minute, match.group())
    return _with_period(hour, minute, period, text)


def _cn_minute(match: re.Match[str]) -> int | None:
    if match.group("half"):
        return 30
    if match.group("quarter"):
        return 15 if match.group("quarter") == "一" else 45
    if match.group("minute"):
        return parse_cn_number(match.group("minute"))
    return 0


def _with_am_pm(hour: int, minute: int, marker: str, text: str) -> Clock:
    """12-hour clock; an explicit am/pm outranks a part of the day implied by a date word (明晚8pm)."""
    if not 1 <= hour <= 12:
        raise WhenError("bad_time", text)  # "13pm", "0am"
    if marker.startswith("a"):
        return Clock(0 if hour == 12 else hour, minute)
    return Clock(12 if hour == 12 else hour + 12, minute)


def _without_period(hour: int, minute: int, text: str) -> Clock:
    if 1 <= hour <= 6:
        raise WhenError("vague_time", text)
    if hour > 23:
        raise WhenError("bad_time", text)
    return Clock(hour, minute)


def _with_period(hour: int, minute: int, period: str, text: str) -> Clock:
    """Apply a part of the day to an hour as written (see the module docstring)."""
    if period == "small_hours" and (hour <= 6 or hour == 12):
        return Clock(0 if hour == 12 else hour, minute)
    if period == "morning" and hour <= 12:
        return Clock(hour, minute)
    if period == "noon" and hour in (11, 12, 13, 14):
        return Clock(hour, minute)
    if period == "noon" and 1 <= hour <= 3:
        return Clock(hour + 12, minute)
    if period == "afternoon" and 1 <= hour <= 11:
        return Clock(hour + 12, minute)
    if period == "afternoon" and 12 <= hour <= 19:
        return Clock(hour, minute)
    if period == "evening" and 5 <= hour <= 11:
        return Clock(hour + 12, minute)
    if period == "evening" and 17 <= hour <= 23:
        return Clock(hour, minute)
    if period == "evening" and (hour == 12 or hour <= 4):
        return Clock(0 if hour == 12 else hour, minute, day_shift=1)
    raise WhenError("bad_time", text)
