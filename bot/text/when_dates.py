"""Reading the date part of a date/time expression, relative to "today" in the user's zone.

Meanings chosen where people disagree (tests pin every one):

* A weekday alone (``friday``, ``fri``, ``周五``, ``星期五``) is the next such day strictly after today.
* ``下周一`` / ``next monday`` is the Monday of next calendar week (weeks start on Monday), so on a
  Wednesday ``下周五`` / ``next friday`` is nine days away, not two. ``下下周五`` adds another week;
  ``本周五`` / ``这周五`` is this calendar week's Friday and may be in the past; ``上周五`` is last
  week's. ``last friday`` is the most recent Friday before today.
* ``下周`` / ``next week`` alone is seven days from today; ``下个月`` / ``next month`` / ``1m`` is one
  calendar month ahead, clamped to the month's end (Jan 31 + 1 month = Feb 28/29).
* A date without a year (``12-01``, ``12/01``, ``12月1日``) is the next such date from today on (today
  included): ``12-01`` asked on 2026-12-15 is 2027-12-01. Month comes first, as in ISO and Chinese.
  A day alone (``15号``) is the next 15th from today on.
* ``yesterday``, ``昨天``, ``3天前``, ``2 days ago`` give past dates, for logging what already happened.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.text.numerals import NUMBER_PATTERN, parse_cn_number, parse_en_number
from bot.text.when_types import WhenError

__all__ = ["DateHit", "DurationHit", "add_months", "read_date", "read_phrase"]


@dataclass(frozen=True)
class DateHit:
    """A calendar date, with the part of the day a word like ``明晚`` also implied."""

    date: date
    period: str | None = None


@dataclass(frozen=True)
class DurationHit:
    """A span from now (``in 2 hours``, ``半小时后``): it names an instant, not a wall-clock date."""

    delta: timedelta


Hit = DateHit | DurationHit

_EN_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_EN_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_CN_WEEK_OFFSETS = {None: 0, "本": 0, "这": 0, "這": 0, "下": 1, "下下": 2, "上": -1}
_CN_MONTH_OFFSETS = {"本": 0, "这": 0, "下": 1, "下下": 2, "上": -1}

# Day words: days from today, and the part of the day the word implies.
_CN_DAY_WORDS = {
    "今天": (0, None), "今日": (0, None), "明天": (1, None), "明日": (1, None),
    "后天": (2, None), "後天": (2, None), "大后天": (3, None), "大後天": (3, None),
    "昨天": (-1, None), "昨日": (-1, None), "前天": (-2, None),
    "今早": (0, "morning"), "今晚": (0, "evening"), "今夜": (0, "evening"),
    "明早": (1, "morning"), "明晨": (1, "morning"), "明晚": (1, "evening"),
}  # fmt: skip
_EN_DAY_WORDS = {"today": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1}

_NUM = NUMBER_PATTERN
_CN_DAY_WORD = re.compile("|".join(sorted(_CN_DAY_WORDS, key=len, reverse=True)))
_EN_WORD = re.compile(r"[a-z]+(?![a-z])")
_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/.-])")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/](\d{1,2})(?![\d/-])")
_CN_DATE = re.compile(rf"(?:(\d{{4}})年)?({_NUM})月({_NUM})[日号號]?")
_CN_MONTH_REF = re.compile(rf"(下下个?|下个?|上个?|本|这个?)月(?:(?P<day>{_NUM})[日号號]|(?P<end>[底末]))?")
_CN_MONTH_END = re.compile(r"月[底末]")
_CN_DAY_OF_MONTH = re.compile(rf"({_NUM})[日号號]")
_CN_WEEKDAY = re.compile(r"(下下|下|上|本|这|這)?个?(?:周|星期|礼拜|禮拜)([一二三四五六七日天1-7])")
_CN_WEEK = re.compile(r"(下下|下)个?(?:周|星期|礼拜|禮拜)")
_CN_RELATIVE = re.compile(
    rf"(?P<n>{_NUM}|半)(?P<unit>个?小时|个?钟头|分钟|天|日|个?星期|个?礼拜|周|个月|年)(?P<dir>以后|之后|后|以前|之前|前)"
)
_EN_DAY_NUMBER = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_SHORTHAND = re.compile(r"(\d{1,4})(d|w|m|y|h|min|mins)(?![a-z])")

_EN_UNITS = {
    "day": "d", "days": "d", "week": "w", "weeks": "w", "wk": "w", "wks": "w",
    "month": "m", "months": "m", "year": "y", "years": "y",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h",
    "minute": "min", "minutes": "min", "min": "min", "mins": "min",
}  # fmt: skip
_CN_UNITS = {
    "天": "d", "日": "d", "周": "w", "星期": "w", "礼拜": "w", "月": "m", "年": "y",
    "小时": "h", "钟头": "h", "分钟": "min",
}  # fmt: skip


def read_date(text: str, today: date) -> tuple[Hit, str] | None:
    """Read a date (or a span from now) at the start of one lower-cased word; return it with the rest.

    Returns None when ``text`` does not start with a date and raises :class:`WhenError` ("bad_date")
    when it is written as a date that does not exist.
    """
    for reader in _READERS:
        found = reader(text, today)
        if found is not None:
            return found
    return None


def read_phrase(words: list[str], today: date) -> tuple[Hit, int] | None:
    """Read an English phrase of whole lower-cased words at the start of ``words``: ``next monday``,
    ``next week``, ``next month``, ``last friday``, ``in 3 days``, ``in 2 hours``, ``2 days ago``,
    ``dec 1``, ``1st december``.
    Returns the hit and how many words it used, or None."""
    if len(words) >= 2 and words[0] in ("next", "last"):
        target = words[1]
        if target in _EN_WEEKDAYS:
            weekday = _EN_WEEKDAYS[target]
            if words[0] == "next":
                return DateHit(_week_monday(today) + timedelta(days=7 + weekday)), 2
            return DateHit(today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)), 2
        if words[0] == "next" and target in ("week", "month"):
            return _span(today, 1, "w" if target == "week" else "m", "next " + target), 2
    if len(words) >= 2 and (month_day := _en_month_day(words[0], words[1])):
        month, day = month_day
        return DateHit(_upcoming_month_day(today, month, day, " ".join(words[:2]))), 2
    if len(words) >= 3 and words[0] == "in":
        count, unit = parse_en_number(words[1]), _EN_UNITS.get(words[2])
        if count is not None and unit is not None:
            return _span(today, count, unit, " ".join(words[:3])), 3
    if len(words) >= 3 and words[2] == "ago":
        count, unit = parse_en_number(words[0]), _EN_UNITS.get(words[1])
        if count is not None and unit is not None:
            return _span(today, -count, unit, " ".join(words[:3])), 3
    return None


def _en_month_day(first: str, second: str) -> tuple[int, int] | None:
    """``dec 1``, ``december 1st`` or ``1 dec``: (month, day), or None."""
    for month_word, day_word in ((first, second), (second, first)):
        if month_word in _EN_MONTHS and (match := _EN_DAY_NUMBER.fullmatch(day_word)):
            return _EN_MONTHS[month_word], int(match.group(1))
    return None


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


# ---- readers, tried in order -------------------------------------------------------------------------


def _read_cn_relative(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_RELATIVE.match(text)
    if match is None:
        return None
    unit = _CN_UNITS[match.group("unit").lstrip("个")]
    sign = -1 if match.group("dir").endswith("前") else 1
    if match.group("n") == "半":
        if unit != "h":
            return None  # 半天后, 半个月后: not a length anyone agrees on
        return DurationHit(timedelta(minutes=30 * sign)), text[match.end() :]
    count = parse_cn_number(match.group("n"))
    if count is None:
        return None
    return _span(today, sign * count, unit, match.group()), text[match.end() :]


def _read_iso(text: str, today: date) -> tuple[Hit, str] | None:
    match = _ISO.match(text)
    if match is None:
        return None
    year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
    return DateHit(_exact_date(year, month, day, match.group())), text[match.end() :]


def _read_month_day(text: str, today: date) -> tuple[Hit, str] | None:
    match = _MONTH_DAY.match(text)
    if match is None:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    return DateHit(_upcoming_month_day(today, month, day, match.group())), text[match.end() :]


def _read_cn_date(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_DATE.match(text)
    if match is None:
        return None
    month, day = parse_cn_number(match.group(2)), parse_cn_number(match.group(3))
    if month is None or day is None:
        return None
    if match.group(1):
        found = _exact_date(int(match.group(1)), month, day, match.group())
    else:
        found = _upcoming_month_day(today, month, day, match.group())
    return DateHit(found), text[match.end() :]


def _read_cn_month_ref(text: str, today: date) -> tuple[Hit, str] | None:
    if match := _CN_MONTH_END.match(text):
        return DateHit(_month_end(today)), text[match.end() :]
    match = _CN_MONTH_REF.match(text)
    if match is None:
        return None
    offset = _CN_MONTH_OFFSETS[match.group(1).rstrip("个")]
    target = add_months(today.replace(day=1), offset)
    if match.group("end"):
        return DateHit(_month_end(target)), text[match.end() :]
    if match.group("day"):
        day = parse_cn_number(match.group("day"))
        if day is None:
            return None
        return DateHit(_exact_date(target.year, target.month, day, match.group())), text[match.end() :]
    if offset == 0:
        return None  # "本月" alone names no day
    return DateHit(add_months(today, offset)), text[match.end() :]


def _read_cn_day_of_month(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_DAY_OF_MONTH.match(text)
    if match is None:
        return None
    day = parse_cn_number(match.group(1))
    if day is None:
        return None
    return DateHit(_upcoming_day_of_month(today, day, match.group())), text[match.end() :]


def _read_cn_day_word(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_DAY_WORD.match(text)
    if match is None:
        return None
    days, period = _CN_DAY_WORDS[match.group()]
    return DateHit(today + timedelta(days=days), period), text[match.end() :]


def _read_cn_weekday(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_WEEKDAY.match(text)
    if match is None:
        if week := _CN_WEEK.match(text):
            return DateHit(today + timedelta(days=7 * _CN_WEEK_OFFSETS[week.group(1)])), text[week.end() :]
        return None
    which, day = match.group(1), match.group(2)
    weekday = int(day) - 1 if day.isdigit() else _CN_WEEKDAYS[day]
    if which is None:
        found = _next_weekday(today, weekday)
    else:
        found = _week_monday(today) + timedelta(days=7 * _CN_WEEK_OFFSETS[which] + weekday)
    return DateHit(found), text[match.end() :]


def _read_en_word(text: str, today: date) -> tuple[Hit, str] | None:
    match = _EN_WORD.match(text)
    if match is None:
        return None
    word = match.group()
    if word in _EN_DAY_WORDS:
        found = today + timedelta(days=_EN_DAY_WORDS[word])
    elif word in _EN_WEEKDAYS:
        found = _next_weekday(today, _EN_WEEKDAYS[word])
    elif word == "eom":
        found = _month_end(today)
    else:
        return None
    return DateHit(found), text[match.end() :]


def _read_shorthand(text: str, today: date) -> tuple[Hit, str] | None:
    match = _SHORTHAND.match(text)
    if match is None:
        return None
    return _span(today, int(match.group(1)), match.group(2).rstrip("s"), match.group()), text[match.end() :]


_READERS = (
    _read_cn_relative,  # before the day-of-month reader: "3日后" is three days, not the 3rd
    _read_iso,
    _read_month_day,
    _read_cn_date,
    _read_cn_month_ref,
    _read_cn_day_of_month,
    _read_cn_day_word,
    _read_cn_weekday,
    _read_en_word,
    _read_shorthand,
)


# ---- date arithmetic -----------------------------------------------------------------------------------


def _span(today: date, count: int, unit: str, text: str) -> Hit:
    """``count`` units from today; ``unit`` is d, w, m, y (calendar) or h, min (elapsed time)."""
    try:
        if unit == "h":
            return DurationHit(timedelta(hours=count))
        if unit == "min":
            return DurationHit(timedelta(minutes=count))
        if unit == "d":
            return DateHit(today + timedelta(days=count))
        if unit == "w":
            return DateHit(today + timedelta(weeks=count))
        return DateHit(add_months(today, count * (12 if unit == "y" else 1)))
    except (OverflowError, ValueError):
        raise WhenError("bad_date", text) from None


def _exact_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise WhenError("bad_date", text) from None


def _upcoming_month_day(today: date, month: int, day: int, text: str) -> date:
    """The first ``month``/``day`` on or after today; Feb 29 waits for the next leap year."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise WhenError("bad_date", text)
    for year in range(today.year, today.year + 9):
        if day <= calendar.monthrange(year, month)[1] and (found := date(year, month, day)) >= today:
            return found
    raise WhenError("bad_date", text)  # 02-30, 04-31: no year has it


def _upcoming_day_of_month(today: date, day: int, text: str) -> date:
    """The first ``day``-th of a month on or after today (``31号`` on Nov 15 is Dec 31)."""
    if not 1 <= day <= 31:
        raise WhenError("bad_date", text)
    month_start = today.replace(day=1)
    for ahead in range(3):
        start = add_months(month_start, ahead)
        if (
            day <= calendar.monthrange(start.year, start.month)[1]
            and (found := start.replace(day=day)) >= today
        ):
            return found
    raise WhenError("bad_date", text)  # unreachable: every 31st is at most two months away


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _next_weekday(today: date, weekday: int) -> date:
    """The next ``weekday`` (0 = Monday) strictly after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
