"""Dates and times as users type them, read in the user's time zone.

Public API: :class:`When`, :class:`WhenError`, :func:`parse_when` (whole words, for commands),
:func:`parse_when_prefix` (a date glued to text, e.g. ``明天打电话``) and :func:`format_when`.

An expression is an optional date part followed by an optional clock time, or a clock time followed
by an optional date word:

* date part: ``2026-12-01``, ``2026/12/01``, ``12-01``, ``12/01``, ``12月1日``, ``2026年12月1日``, ``15号``,
  ``today``/``tomorrow``/``tmr``/``yesterday``, ``今天``/``明天``/``后天``/``大后天``/``昨天``, ``明早``/``明晚``,
  weekdays (``fri``, ``friday``, ``周五``, ``星期五``, ``礼拜五``), ``next monday``, ``last friday``, ``下周一``,
  ``下下周一``, ``本周五``, ``下周``, ``下个月``, ``下个月5号``, ``月底``, ``eom``, ``dec 1``, ``1st december``,
  counts (``in 3 days``, ``3d``, ``2w``, ``1m``, ``1y``, ``3天后``, ``两周后``, ``一个月后``, ``3天前``,
  ``2 days ago``);
* clock time: ``10:00``, ``10am``, ``3:30pm``, ``3 pm``, ``noon``, ``10点``, ``10点半``, ``10点30分``,
  ``下午3点``, ``晚上8点`` -- glued to a Chinese date (``明天下午3点``, ``周五10点``) or as the next word,
  optionally after ``at`` (``friday at 10am``);
* spans from now that name an instant: ``in 2 hours``, ``2h``, ``30min``, ``2小时后``, ``半小时后``.

A clock time alone is today, or tomorrow when that moment has passed. See ``when_dates`` and
``when_clock`` for the meaning chosen where people disagree (``next friday``, ``3点``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.text.when_clock import Clock, hour_in_period, period_clock, read_clock, split_period
from bot.text.when_dates import EN_PERIOD_WORDS, DateHit, DurationHit, read_date, read_phrase
from bot.text.when_types import When, WhenError, WhenErrorReason

__all__ = ["When", "WhenError", "WhenErrorReason", "format_when", "parse_when", "parse_when_prefix"]

# The longest expression is six words ("in 3 days at 3 pm"); only those are ever looked at.
_MAX_WORDS = 6
_AM_PM_WORDS = frozenset(("am", "pm", "a.m.", "p.m."))
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ZH_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# "…前" after a date is a deadline on that date: 月底前, 周五之前.
_DEADLINE = re.compile(r"之前|以前|前")
# What may follow a date glued to text only if the date was misread: a date word we did not finish
# (下周 + 末, 下月 + 初) or a number. Splitting there would record a silently wrong date, so it is refused.
_NOT_A_BOUNDARY = re.compile(
    r"[末初中底旬前后後内第号號日天周週月年点點时時分半刻整左右起多至~～0-9]"
    r"|[零一二两三四五六七八九十]+[点點号號日月周週天个個年小分半:]"
)
# A lone 早 / 晚 right after a date is its part of the day (周五晚 = Friday evening, 明天早 = tomorrow morning).
_LONE_PERIODS = {"早": "morning", "晚": "evening"}


@dataclass(frozen=True)
class _Found:
    when: When
    used: int  # words touched, the last one possibly only in part
    rest: str  # the unread end of the last word touched


def parse_when(words: list[str], *, now: datetime, tz: ZoneInfo) -> tuple[When, int] | None:
    """Read a date/time expression made of whole words at the start of ``words``.

    Returns the :class:`When` and how many words it used, or None when ``words[0]`` does not start
    one (including a date glued to other text, such as ``明天再说``: see :func:`parse_when_prefix`).
    Reading is greedy: ``["friday", "10:00", "call"]`` uses two words. ``now`` must be aware; today
    is ``now`` seen in ``tz``. Raises :class:`WhenError` for a date or time that is written as one
    but does not exist (``2026-02-30``, ``13:99``) or is too vague to schedule (``明天下午``).
    """
    found = _read(words, now, tz, whole=True)
    if found is None:
        return None
    if _names_another_date(" ".join(words[found.used : found.used + 2]), now, tz):
        raise WhenError("not_a_date", " ".join(words[: found.used + 1]))  # "friday or monday": which one?
    return found.when, found.used


def parse_when_prefix(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[When, str] | None:
    """Read a date/time at the start of ``text``, even when glued to what follows, and return it with
    the rest of the text: ``明天下午3点开会`` → (tomorrow 15:00, ``开会``); ``周五 call back`` →
    (Friday, ``call back``). None when ``text`` does not start with a date or time; raises
    :class:`WhenError` as :func:`parse_when` does. Words in the rest are re-joined with one space.
    """
    words = text.split()
    found = _read(words, now, tz, whole=False)
    if found is None:
        return None
    if found.rest and _NOT_A_BOUNDARY.match(found.rest):
        raise WhenError("not_a_date", words[found.used - 1])
    if _names_another_date(found.rest or " ".join(words[found.used : found.used + 2]), now, tz):
        raise WhenError("not_a_date", " ".join(words[: found.used + 1]))  # 下周一或周二: which one?
    rest = [found.rest] if found.rest else []
    return found.when, " ".join(rest + words[found.used :])


# Words that join two dates into a choice or a range ("下周一或周二", "friday or monday", "周三到周五").
_ALTERNATIVE = re.compile(r"^(?:或者|或是|或|还是|到|至|、|/|-|~|～|or\s+|to\s+)\s*", re.IGNORECASE)


def _names_another_date(rest: str, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the text after a date offers another date instead (a choice or a range, never one day)."""
    joiner = _ALTERNATIVE.match(rest)
    if joiner is None or joiner.end() == len(rest):
        return False
    try:
        return _read(rest[joiner.end() :].split(), now, tz, whole=False) is not None
    except WhenError:
        return True


def format_when(when: When, lang: str, *, today: date | None = None) -> str:
    """A short human form: en ``Fri 2026-11-27 10:00``, zh ``11月27日 周五 10:00``.

    ``lang`` is a language tag; any ``zh`` variant gives Chinese, anything else English. The Chinese
    form omits the year unless ``today`` is given and falls in another year. A time that does not
    exist on the wall clock (a DST gap) is shown as the time the clock will really show.
    """
    day, clock = when.local_date, ""
    if when.has_time:
        shown = when.instant.astimezone(when.tz)  # type: ignore[union-attr]  # has_time => instant
        day, clock = shown.date(), f" {shown:%H:%M}"
    if lang.lower().startswith("zh"):
        year = f"{day.year}年" if today is not None and today.year != day.year else ""
        return f"{year}{day.month}月{day.day}日 {_ZH_WEEKDAYS[day.weekday()]}{clock}"
    return f"{_EN_WEEKDAYS[day.weekday()]} {day.isoformat()}{clock}"


# ---- reading -------------------------------------------------------------------------------------------


def _read(words: list[str], now: datetime, tz: ZoneInfo, *, whole: bool) -> _Found | None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not words:
        return None
    today = now.astimezone(tz).date()
    lowered = [word.lower() for word in words[:_MAX_WORDS]]

    if phrase := read_phrase(lowered, today):
        hit, used, rest = phrase[0], phrase[1], ""
    elif single := read_date(lowered[0], today):
        hit, used, rest = single[0], 1, single[1]
    else:
        return _read_time_first(lowered, now, today, tz, whole=whole)

    if isinstance(hit, DateHit) and (deadline := _DEADLINE.match(rest)):
        rest = rest[deadline.end() :]
    if whole and rest and isinstance(hit, DurationHit):
        return None
    if isinstance(hit, DurationHit):
        try:
            return _Found(_when_at(now + hit.delta, tz), used, rest)
        except OverflowError:
            raise WhenError("bad_date", " ".join(words[:used])) from None
    return _read_after_date(hit, lowered, used, rest, tz, whole=whole)


def _read_after_date(
    hit: DateHit, words: list[str], used: int, rest: str, tz: ZoneInfo, *, whole: bool
) -> _Found | None:
    """Complete a date with a clock time glued to it (``明天下午3点``) or in the next words."""
    clock: Clock | None = None
    if rest in _LONE_PERIODS:
        clock, rest = period_clock(_LONE_PERIODS[rest], rest, rest), ""
    elif rest:
        own_period, hour_part = split_period(rest)
        if glued := read_clock(rest, hit.period, whole=whole):
            clock, rest = glued
            if own_period is not None and not hour_part and not rest:
                # "明天上午 10点": the part of the day glued to the date, its hour in the next word
                exact = _read_clock_words(words[used:], own_period, whole=whole)
                if exact is not None and not exact[2]:
                    clock, used = exact[0], used + exact[1]
        if whole and rest:
            return None  # "明天再说" is not a date word
    elif following := _read_clock_words(words[used:], hit.period, whole=whole):
        clock, extra, rest = following
        used += extra
    if clock is None and hit.period is not None:
        clock = period_clock(hit.period, "", words[0])  # "明晚" alone: the evening's usual hour
    if clock is None:
        return _Found(When(hit.date, None, tz), used, rest)
    return _Found(When(hit.date + timedelta(days=clock.day_shift), clock.as_time(), tz), used, rest)


def _read_time_first(
    words: list[str], now: datetime, today: date, tz: ZoneInfo, *, whole: bool
) -> _Found | None:
    """A clock time first: ``10:00``, ``下午3点``, optionally followed by a date (``10am tomorrow``)."""
    if words[0] == "in":
        return None  # "in the morning" only completes a date ("tomorrow in the morning")
    found = _read_clock_words(words, None, whole=whole)
    if found is None:
        return None
    clock, used, rest = found
    if not rest and used < len(words) and (day := _whole_date_word(words[used:], today)):
        date_hit, date_words = day
        return _Found(
            When(date_hit + timedelta(days=clock.day_shift), clock.as_time(), tz), used + date_words, ""
        )
    when = When(today + timedelta(days=clock.day_shift), clock.as_time(), tz)
    if when.instant <= now:  # type: ignore[operator]  # a time was given
        when = When(when.local_date + timedelta(days=1), when.local_time, tz)
    return _Found(when, used, rest)


def _read_clock_words(words: list[str], period: str | None, *, whole: bool) -> tuple[Clock, int, str] | None:
    """A clock time in the first word(s): ``10:00``, ``at 10am``, ``3 pm``, ``at 3 pm``."""
    if words and words[0] == "in":  # "tomorrow in the afternoon"
        if len(words) < 3 or words[1] != "the" or words[2] not in EN_PERIOD_WORDS:
            return None
        return period_clock(EN_PERIOD_WORDS[words[2]], "", words[2]), 3, ""
    skip = 1 if len(words) > 1 and words[0] == "at" else 0
    if len(words) <= skip:
        return None
    if words[skip] in EN_PERIOD_WORDS and not (skip and words[0] == "at" and words[skip] != "noon"):
        period_word = EN_PERIOD_WORDS[words[skip]]
        # "tomorrow morning 8:30": a clock after the part of the day is the time meant, read in that part.
        after = words[skip + 1 :]
        if period_word != "noon" and after and after[0] not in EN_PERIOD_WORDS and after[0] != "in":
            exact = _read_clock_words(after, period_word, whole=whole)
            if exact is not None and not exact[2]:
                return exact[0], skip + 1 + exact[1], ""
        return period_clock(period_word, "", words[skip]), skip + 1, ""
    text, used = words[skip], skip + 1
    if len(words) > used and words[used] in _AM_PM_WORDS:  # "3 pm", "10:30 p.m."
        text, used = text + words[used], used + 1
    found = read_clock(text, period, whole=whole)
    if found is None and skip and text.isdigit() and len(text) <= 2:
        if period is not None:  # "tomorrow afternoon at 3"
            return hour_in_period(int(text), period, f"at {text}"), used, ""
        return _at_hour(int(text), words[skip]), used, ""
    if found is None:
        return None
    return found[0], used, found[1]


def _at_hour(hour: int, text: str) -> Clock:
    """``at 10``: after ``at`` a bare number is an hour, read like a Chinese hour without a part of the day
    (``7``–``23`` as written; ``1``–``6`` could be either half of the day, so they are too vague)."""
    if 1 <= hour <= 6:
        raise WhenError("vague_time", f"at {text}")
    if hour > 23:
        raise WhenError("bad_time", f"at {text}")
    return Clock(hour, 0)


def _whole_date_word(words: list[str], today: date) -> tuple[date, int] | None:
    """A date that fills whole words and implies no part of the day (``tomorrow``, ``next monday``)."""
    if phrase := read_phrase(words, today):
        hit, used = phrase
    elif (single := read_date(words[0], today)) and not single[1]:
        hit, used = single[0], 1
    else:
        return None
    if isinstance(hit, DateHit) and hit.period is None:
        return hit.date, used
    return None


def _when_at(moment: datetime, tz: ZoneInfo) -> When:
    """The wall-clock date and minute of an instant; ``fold`` keeps a repeated hour's second pass."""
    local = moment.astimezone(tz)
    return When(local.date(), time(local.hour, local.minute, fold=local.fold), tz)
