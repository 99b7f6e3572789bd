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
* ``周末`` / ``this weekend`` is the Saturday of this week (today on a Sunday); ``下周末`` / ``next weekend``
  the Saturday of next week, ``下下周末`` the one after.
* Parts of a month: ``月初`` / ``上旬`` the 1st, ``月中`` / ``中旬`` the 15th, ``下旬`` the 21st, ``月底`` /
  ``月末`` the last day. With ``下月`` / ``下个月`` / ``本月`` they name that month; alone, the next such day
  from today on (``月初`` on the 3rd is next month's 1st; ``月底`` is this month's end).
* A holiday (``春节``, ``国庆节``, ``元旦``, ``中秋``, ``端午``, ``除夕``, ``五一``, ``清明``, ``christmas`` …) is its
  next day from today on; ``春节后`` / ``after chinese new year`` the first working day after the days off
  around it, ``国庆节前`` / ``before national day`` the last working day before them (see
  :mod:`bot.calendar.holidays`); ``春节后第一个周一`` the first Monday from that working day on.
* ``下个工作日`` / ``next working day`` follows the official working-day arrangements; ``3个工作日后`` counts
  working days.
* A span without ``后`` (``2天``, ``两周``, ``半个月``) is from today, as ``3d`` is; ``过两天`` is two days
  from today; ``半个月`` is 15 days, ``半年`` six months. ``…前`` / ``…之前`` after a date is a deadline on
  that date (``月底前``, ``周五前``).
* Vague words (``改天``, ``过几天``, ``回头``, ``later``, ``soon``) raise ``WhenError("vague_date")``: the reply
  suggests a definite form instead of inventing a day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.calendar.holidays import (
    HOLIDAYS,
    Holiday,
    next_working_day,
    working_day_after,
    working_day_before,
)
from bot.text.numerals import NUMBER_PATTERN, parse_cn_number, parse_en_number
from bot.text.when_types import WhenError

__all__ = ["CN_DATE", "EN_MONTHS", "EN_PERIOD_WORDS", "ISO_DATE", "MONTH_DAY", "DateHit", "DurationHit", "add_months", "holiday_date", "read_date", "read_phrase"]


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
EN_MONTHS = {
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
_EN_DAY_WORDS = {"today": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "tmw": 1, "yesterday": -1}
#: English words for a part of the day, mapped to the rule of :mod:`bot.text.when_clock`.
EN_PERIOD_WORDS = {"morning": "morning", "noon": "noon", "midday": "noon", "lunchtime": "noon",
                   "afternoon": "afternoon", "evening": "evening", "night": "evening", "tonight": "evening"}

_NUM = NUMBER_PATTERN
_CN_DAY_WORD = re.compile("|".join(sorted(_CN_DAY_WORDS, key=len, reverse=True)))
_EN_WORD = re.compile(r"[a-z]+(?![a-z])")
ISO_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/.-])")
MONTH_DAY = re.compile(r"(\d{1,2})[-/](\d{1,2})(?![\d/-])")
CN_DATE = re.compile(rf"(?:(\d{{4}})年)?({_NUM})月({_NUM})[日号號]?")
_CN_MONTH_REF = re.compile(rf"(下下个?|下个?|上个?|本|这个?)月(?:(?P<day>{_NUM})[日号號]|(?P<end>[底末]))?")
_CN_MONTH_END = re.compile(r"月[底末]")
_CN_DAY_OF_MONTH = re.compile(rf"({_NUM})[日号號]")
_CN_WEEKDAY = re.compile(r"(下下|下|上|本|这|這)?个?(?:周|星期|礼拜|禮拜)([一二三四五六七日天1-7])")
_CN_WEEK = re.compile(r"(下下|下)个?(?:周|星期|礼拜|禮拜)")
_CN_RELATIVE = re.compile(
    rf"(?P<pre>过)?(?P<n>{_NUM}|半)(?P<unit>个?小时|个?钟头|分钟|个?工作日|天|日|个?星期|个?礼拜|周|週|个月|個月|年)"
    rf"(?P<dir>以后|之后|後|后|以前|之前|前|以内|之内|内)?"
)
_CN_HOURS_AND_A_HALF = re.compile(rf"(?P<n>{_NUM})个半(?:小时|钟头)(?:以后|之后|後|后)")
_CN_WEEKEND = re.compile(r"(下下|下|上|本|这|這)?个?(?:周末|週末|礼拜末)")
_CN_MONTH_PART = re.compile(
    r"(?:(?P<which>下下个?|下个?|上个?|本|这个?)月|月)(?P<part>初|上旬|中旬|中|下旬|底|末)"
)
_MONTH_PART_DAYS = {"初": 1, "上旬": 1, "中旬": 15, "中": 15, "下旬": 21}
_CN_YEAR_PART = re.compile(r"(?P<which>今|明|来)?年(?P<part>底|末|初)")
# "明年3月31日", "今年十月底", "后年1月": a month (and day, or its end) of a year named relative to today.
_CN_RELATIVE_YEAR_DATE = re.compile(
    rf"(?P<which>今|明|来|后|後)年(?P<month>{_NUM})月(?:(?P<day>{_NUM})[日号號]?|(?P<end>[底末]))?"
)
_CN_YEAR_OFFSETS = {"今": 0, "明": 1, "来": 1, "后": 2, "後": 2}
_CN_WEEK_START = re.compile(r"(下下|下|本|这|這)?个?(?:周|星期|礼拜)初")
_CN_WORKDAY = re.compile(r"(?:下一?个?|次)工作日")
_HOLIDAY_WORDS = sorted((w for w in HOLIDAYS if not w.isascii()), key=len, reverse=True)
_CN_HOLIDAY = re.compile(
    "(?P<name>" + "|".join(map(re.escape, _HOLIDAY_WORDS)) + ")"
    r"(?:长假|假期|放假|假)?(?P<rel>之后|以后|后|後|之前|以前|前)?"
    r"(?:的?第(?P<nth>[一二三1-3])个?(?P<target>(?:周|星期|礼拜)[一二三四五六日天1-7]|工作日))?"
)
# Words that promise a day without naming one: refused with a suggestion, never guessed.
_CN_VAGUE = re.compile(
    r"改天|改日|过几天|过些天|过些日子|过段时间|过一段时间|过阵子|过一阵子|回头|有空|得空|抽空|找时间|"
    r"近期|近日|最近|这几天|这两天|几天后|几天之后|几天以后|几周后|以后再说|到时候"
)
_EN_VAGUE = frozenset(("later", "soon", "someday", "sometime", "eventually", "whenever", "asap"))
_CN_DEADLINE = re.compile(r"之前|以前|前")
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
    "小时": "h", "钟头": "h", "分钟": "min", "週": "w", "個月": "m", "工作日": "wd",
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
    Also ``this friday``, ``this/next weekend``, ``day after tomorrow``, ``end of (next) month``, ``mid next
    month``, ``early next month``, ``next working day``, holidays (``christmas``, ``after chinese new year``)
    and bare spans (``2 weeks``). Returns the hit and how many words it used, or None."""
    if words and words[0] in _EN_VAGUE or words[:3] in (["in", "a", "few"], ["a", "few", "days"]):
        raise WhenError("vague_date", " ".join(words[:3]))
    if words[:2] in (["one", "day"], ["some", "day"]) and words[2:3] not in (["from"], ["later"]):
        raise WhenError("vague_date", " ".join(words[:2]))  # "one day" is someday, not tomorrow
    if len(words) >= 4 and words[0] == "in" and words[2] in ("business", "working") and words[3] in ("day", "days"):
        count = parse_en_number(words[1])  # "in 2 business days": working days, as 2个工作日后
        if count is not None and count > 0:
            working = today
            for _ in range(count):
                working = next_working_day(working)
            return DateHit(working), 4
    if found := _en_extra_phrase(words, today):
        return found
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


_EN_MONTH_PARTS = {"beginning": "初", "start": "初", "early": "初", "mid": "中", "middle": "中",
                   "end": "底", "late": "下旬"}


def _en_extra_phrase(words: list[str], today: date) -> tuple[Hit, int] | None:
    """The English phrases added for everyday use; see :func:`read_phrase`."""
    joined = " ".join(words)
    for prefix, hit in (
        ("the day after tomorrow", DateHit(today + timedelta(days=2))),
        ("day after tomorrow", DateHit(today + timedelta(days=2))),
        ("next working day", DateHit(next_working_day(today))),
        ("next business day", DateHit(next_working_day(today))),
        ("next workday", DateHit(next_working_day(today))),
        ("this weekend", DateHit(_weekend(today, 0))),
        ("the weekend", DateHit(_weekend(today, 0))),
        ("weekend", DateHit(_weekend(today, 0))),
        ("next weekend", DateHit(_weekend(today, 1))),
        ("end of the week", DateHit(_week_monday(today) + timedelta(days=4))),
        ("end of week", DateHit(_week_monday(today) + timedelta(days=4))),
        ("eow", DateHit(_week_monday(today) + timedelta(days=4))),
        ("end of next week", DateHit(_week_monday(today) + timedelta(days=11))),
        ("in half an hour", DurationHit(timedelta(minutes=30))),
    ):
        if joined == prefix or joined.startswith(prefix + " "):
            return hit, len(prefix.split())
    if words[:2] == ["next", "week"] and len(words) >= 3 and words[2] in _EN_WEEKDAYS:  # next week friday
        return DateHit(_week_monday(today) + timedelta(days=7 + _EN_WEEKDAYS[words[2]])), 3
    if len(words) >= 3 and words[0] in _EN_WEEKDAYS and words[1] in ("next", "this") and words[2] == "week":
        weeks = 1 if words[1] == "next" else 0  # friday next week
        return DateHit(_week_monday(today) + timedelta(days=7 * weeks + _EN_WEEKDAYS[words[0]])), 3
    if words[:2] == ["next", "month"] and len(words) >= 3 and (day := _EN_DAY_NUMBER.fullmatch(words[2])):
        target = add_months(today.replace(day=1), 1)  # next month 5th
        return DateHit(_exact_date(target.year, target.month, int(day.group(1)), " ".join(words[:3]))), 3
    if len(words) >= 2 and words[0] == "this" and words[1] in _EN_WEEKDAYS:
        return DateHit(_week_monday(today) + timedelta(days=_EN_WEEKDAYS[words[1]])), 2
    if len(words) >= 2 and words[0] == "this" and words[1] in EN_PERIOD_WORDS:
        return DateHit(today, EN_PERIOD_WORDS[words[1]]), 2
    if found := _en_month_part(words, today):
        return found
    if found := _en_holiday(words, today):
        return found
    bare_span = len(words) >= 2 and words[1] in _EN_UNITS and words[2:3] != ["ago"]
    if bare_span and (count := parse_en_number(words[0])) is not None:
        used = 4 if words[2:4] in (["from", "now"], ["from", "today"]) else 2  # "a week from now"
        return _span(today, count, _EN_UNITS[words[1]], " ".join(words[:2])), used
    return None


def _en_month_part(words: list[str], today: date) -> tuple[Hit, int] | None:
    """``end of month``, ``end of next month``, ``mid next month``, ``early next month``, ``mid-month``."""
    if not words:
        return None
    if words[0] in ("mid-month", "midmonth"):
        return DateHit(_upcoming_month_part(today, "中")), 1
    if words[0] not in _EN_MONTH_PARTS:
        return None
    part, i = _EN_MONTH_PARTS[words[0]], 1
    if words[i : i + 1] == ["of"]:
        i += 1
    if words[i : i + 1] == ["the"]:
        i += 1
    if words[i : i + 2] == ["next", "month"]:
        return DateHit(_month_part(add_months(today.replace(day=1), 1), part)), i + 2
    if words[i : i + 2] == ["this", "month"]:
        return DateHit(_upcoming_month_part(today, part)), i + 2
    if words[i : i + 1] == ["month"]:
        return DateHit(_upcoming_month_part(today, part)), i + 1
    return None


def _en_holiday(words: list[str], today: date) -> tuple[Hit, int] | None:
    """``christmas``, ``national day``, ``after chinese new year``, ``before the mid-autumn festival``."""
    relation, start = None, 0
    if words and words[0] in ("after", "before"):
        relation, start = words[0], 1
    if words[start : start + 1] == ["the"]:
        start += 1
    for size in (4, 3, 2, 1):
        name = " ".join(words[start : start + size])
        holiday = HOLIDAYS.get(name) if name.isascii() and len(words) >= start + size else None
        if holiday is not None:
            return DateHit(holiday_date(holiday, today, relation)), start + size
    return None


def _en_month_day(first: str, second: str) -> tuple[int, int] | None:
    """``dec 1``, ``december 1st`` or ``1 dec``: (month, day), or None."""
    for month_word, day_word in ((first, second), (second, first)):
        if month_word in EN_MONTHS and (match := _EN_DAY_NUMBER.fullmatch(day_word)):
            return EN_MONTHS[month_word], int(match.group(1))
    return None


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


# ---- readers, tried in order -------------------------------------------------------------------------


def _read_cn_vague(text: str, today: date) -> tuple[Hit, str] | None:
    if match := _CN_VAGUE.match(text):
        raise WhenError("vague_date", match.group())
    return None


def _read_cn_hours_and_a_half(text: str, today: date) -> tuple[Hit, str] | None:
    """``一个半小时后``: an hour and a half from now (``两个半小时后`` two and a half)."""
    match = _CN_HOURS_AND_A_HALF.match(text)
    count = parse_cn_number(match.group("n")) if match else None
    if match is None or count is None:
        return None
    return DurationHit(timedelta(hours=count, minutes=30)), text[match.end() :]


def _read_cn_relative(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_RELATIVE.match(text)
    if match is None:
        return None
    raw_unit, direction, rest = match.group("unit"), match.group("dir"), text[match.end() :]
    # A bare span ("2天", "两周", "半个月") counts from today, but "3日" is the 3rd and "2026年" a
    # year, and glued to text it is a length, not a date ("两天会议" is a two-day meeting).
    bare = direction is None and not match.group("pre")
    if bare and (rest or (raw_unit in ("日", "年") and match.group("n") != "半")):
        return None
    unit = _CN_UNITS[raw_unit.lstrip("个個")]
    sign = -1 if direction and direction.endswith("前") else 1
    if match.group("n") == "半":
        half = {"h": timedelta(minutes=30), "m": timedelta(days=15), "w": None, "d": None, "y": None}.get(unit)
        if unit == "y":
            return _span(today, sign * 6, "m", match.group()), rest
        if half is None:
            return None  # 半天后: not a length anyone agrees on
        if unit == "h":
            return DurationHit(half * sign), rest
        return DateHit(today + half * sign), rest
    count = parse_cn_number(match.group("n"))
    if count is None:
        return None
    if unit == "wd":
        if sign < 0:
            return None
        day = today
        for _ in range(count):
            day = next_working_day(day)
        return DateHit(day), rest
    return _span(today, sign * count, unit, match.group()), rest


def _read_cn_weekend(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_WEEKEND.match(text)
    if match is None:
        return None
    return DateHit(_weekend(today, _CN_WEEK_OFFSETS[match.group(1)])), text[match.end() :]


def _read_cn_month_part(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_MONTH_PART.match(text)
    if match is None:
        return None
    which, part = match.group("which"), match.group("part")
    if which is not None:
        target = add_months(today.replace(day=1), _CN_MONTH_OFFSETS[which.rstrip("个")])
        return DateHit(_month_part(target, part)), text[match.end() :]
    return DateHit(_upcoming_month_part(today, part)), text[match.end() :]


def _read_cn_year_part(text: str, today: date) -> tuple[Hit, str] | None:
    """``年底`` / ``今年底`` (Dec 31), ``明年初`` (Jan 1 next year); ``年初`` alone is the next Jan 1."""
    match = _CN_YEAR_PART.match(text)
    if match is None:
        return None
    year = today.year + (1 if match.group("which") in ("明", "来") else 0)
    if match.group("part") == "初":
        found = date(year, 1, 1) if match.group("which") or today == date(year, 1, 1) else date(year + 1, 1, 1)
    else:
        found = date(year, 12, 31)
    return DateHit(found), text[match.end() :]


def _read_cn_week_start(text: str, today: date) -> tuple[Hit, str] | None:
    """``下周初``: the Monday of that week."""
    match = _CN_WEEK_START.match(text)
    if match is None:
        return None
    return DateHit(_week_monday(today) + timedelta(weeks=_CN_WEEK_OFFSETS[match.group(1)])), text[match.end() :]


def _read_cn_workday(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_WORKDAY.match(text)
    if match is None:
        return None
    return DateHit(next_working_day(today)), text[match.end() :]


def _read_cn_holiday(text: str, today: date) -> tuple[Hit, str] | None:
    match = _CN_HOLIDAY.match(text)
    if match is None:
        return None
    relation = match.group("rel")
    if match.group("nth") and not (relation and relation.endswith(("后", "後"))):
        return None  # "春节第一个周一": after or before?
    found = holiday_date(HOLIDAYS[match.group("name")], today, relation_of(relation))
    if match.group("nth"):
        found = _nth_from(found, parse_cn_number(match.group("nth")) or 1, match.group("target"))
    return DateHit(found), text[match.end() :]


def relation_of(word: str | None) -> str | None:
    """``after`` for 后/之后/以后, ``before`` for 前/之前/以前, None for none."""
    if word is None:
        return None
    return "before" if word.endswith("前") else "after"


def holiday_date(holiday: Holiday, today: date, relation: str | None) -> date:
    """The holiday's day (or the working day after / before it) that comes next from ``today`` on."""
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            day = holiday.day_of(year)
        except ValueError:
            continue
        if relation == "after":
            day = working_day_after(day)
        elif relation == "before":
            day = working_day_before(day)
        if day >= today:
            return day
    raise WhenError("bad_date", holiday.key)  # unreachable: every holiday comes once a year


def _nth_from(start: date, nth: int, target: str) -> date:
    """The ``nth`` weekday (or working day) named by ``target`` from ``start`` on (``start`` included)."""
    if target == "工作日":
        day = start
        for _ in range(nth - 1):
            day = next_working_day(day)
        return day
    char = target[-1]
    weekday = int(char) - 1 if char.isdigit() else _CN_WEEKDAYS[char]
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    return first + timedelta(weeks=nth - 1)


def _read_iso(text: str, today: date) -> tuple[Hit, str] | None:
    match = ISO_DATE.match(text)
    if match is None:
        return None
    year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
    return DateHit(_exact_date(year, month, day, match.group())), text[match.end() :]


def _read_month_day(text: str, today: date) -> tuple[Hit, str] | None:
    match = MONTH_DAY.match(text)
    if match is None:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    return DateHit(_upcoming_month_day(today, month, day, match.group())), text[match.end() :]


def _read_cn_relative_year_date(text: str, today: date) -> tuple[Hit, str] | None:
    """``明年3月31日`` (that day), ``明年3月底`` (its last day), ``明年3月`` (its first day)."""
    match = _CN_RELATIVE_YEAR_DATE.match(text)
    if match is None:
        return None
    month = parse_cn_number(match.group("month"))
    if month is None or not 1 <= month <= 12:
        raise WhenError("bad_date", match.group())
    first = date(today.year + _CN_YEAR_OFFSETS[match.group("which")], month, 1)
    if match.group("end"):
        return DateHit(_month_end(first)), text[match.end() :]
    if match.group("day") is None:
        return DateHit(first), text[match.end() :]
    day = parse_cn_number(match.group("day"))
    if day is None:
        return None
    return DateHit(_exact_date(first.year, month, day, match.group())), text[match.end() :]


def _read_cn_date(text: str, today: date) -> tuple[Hit, str] | None:
    match = CN_DATE.match(text)
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
    elif word == "tonight":
        return DateHit(today, "evening"), text[match.end() :]
    else:
        return None
    return DateHit(found), text[match.end() :]


def _read_shorthand(text: str, today: date) -> tuple[Hit, str] | None:
    match = _SHORTHAND.match(text)
    if match is None:
        return None
    return _span(today, int(match.group(1)), match.group(2).rstrip("s"), match.group()), text[match.end() :]


_READERS = (
    _read_cn_vague,  # "过几天" must not be read as anything else
    _read_cn_holiday,  # before the weekday and month readers: "十一国庆", "五一"
    _read_cn_hours_and_a_half,
    _read_cn_relative,  # before the day-of-month reader: "3日后" is three days, not the 3rd
    _read_cn_weekend,  # before the week reader: "下周末" is not 下周 + "末"
    _read_cn_week_start,
    _read_cn_relative_year_date,  # before the year-part reader: "明年3月底" is not 明年 + "3月底"
    _read_cn_year_part,
    _read_cn_month_part,  # before the month reader: "下月初" is not 下月 + "初"
    _read_cn_workday,
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


def _weekend(today: date, weeks_ahead: int) -> date:
    """The Saturday of the week ``weeks_ahead`` from this one; this weekend on a Sunday is today."""
    if weeks_ahead == 0 and today.weekday() == 6:
        return today
    return _week_monday(today) + timedelta(days=7 * weeks_ahead + 5)


def _month_part(month: date, part: str) -> date:
    """The day a part of the month (初, 中旬, 底 …) names in the month of ``month``."""
    if part in ("底", "末"):
        return _month_end(month)
    return month.replace(day=_MONTH_PART_DAYS[part])


def _upcoming_month_part(today: date, part: str) -> date:
    """That part of this month, or of next month when this month's has passed."""
    found = _month_part(today, part)
    return found if found >= today else _month_part(add_months(today.replace(day=1), 1), part)


def _week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _next_weekday(today: date, weekday: int) -> date:
    """The next ``weekday`` (0 = Monday) strictly after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
