"""Reading a birthday from what a rep types, and writing it back in Chinese or English.

Accepted forms (full-width digits and punctuation are fine; spaces are ignored):

- solar: ``1985-03-02``, ``1985/3/2``, ``1985.3.2``, ``03-02``, ``3/2`` (always month first),
  ``3月2日`` / ``3月2号``, ``1985年3月2日``, optionally prefixed ``公历`` / ``阳历`` / ``新历``;
  English ``Mar 2``, ``March 2, 1985``, ``2 March 1985``.
- lunar: prefix ``农历`` or ``阴历``, then ``[YYYY年][闰]<month>月<day>`` where month is ``正``/``一``…``十二``,
  ``冬``, ``腊`` or digits and day is ``初五``, ``十五``, ``廿三``, ``三十`` or digits with ``日``/``号``;
  or ``农历[YYYY-]M-D``. English ``lunar 3-5``, ``lunar leap 4/5``, ``lunar 1985/3/5``.

Anything else raises ``BirthdayError("bad_format")``; we never guess day-first orders or two-digit years.
"""

from __future__ import annotations

import re
import unicodedata

from bot.calendar.birthday_model import Birthday, BirthdayError
from bot.calendar.lang import text_language
from bot.calendar.lunar import LUNAR_DAY_NAMES_ZH, LUNAR_MONTH_NAMES_ZH
from bot.text.numerals import parse_cn_day_number, parse_cn_number
from bot.text.when_dates import CN_DATE, EN_MONTHS, ISO_DATE, MONTH_DAY

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Lunar month words besides numbers: 正月, 冬月, 腊月.
_MONTH_WORD_ZH = {"正": 1, "冬": 11, "腊": 12, "臘": 12}

# The solar forms are the date grammar's own patterns (bot.text.when_dates), matched as a whole.
_ZH_LUNAR = re.compile(r"(?:(\d{4})年)?(闰)?([正冬腊臘一二三四五六七八九十]+|\d{1,2})月([初廿卅一二三四五六七八九十]+|\d{1,2})[日号]?")
_SEP = r"[-/.]"
_ZH_LUNAR_NUMERIC = re.compile(rf"(?:(\d{{4}}){_SEP})?(闰)?(\d{{1,2}}){_SEP}(\d{{1,2}})")
_EN_LUNAR = re.compile(rf"lunar\s+(leap\s+)?(?:(\d{{4}})\s*{_SEP}\s*)?(\d{{1,2}})\s*{_SEP}\s*(\d{{1,2}})")
_EN_MONTH_DAY = re.compile(r"([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?(?:\s*,?\s*(\d{4}))?")
_EN_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:\s*,?\s*(\d{4}))?")

_LUNAR_PREFIXES = ("农历", "阴历", "陰曆", "農曆")
_SOLAR_PREFIXES = ("公历", "阳历", "新历", "陽曆", "公曆")


def parse_birthday(text: str) -> Birthday:
    """Parse a birthday typed by a rep (see the module docstring for the forms) and validate it.

    Raises ``BirthdayError`` with ``reason`` ``empty``, ``bad_format``, ``bad_date``, ``bad_year`` or
    ``no_leap_month``.
    """
    # NFKC turns full-width digits and punctuation (１９８５－３－２) into ASCII, as IMEs often produce them.
    normalized = unicodedata.normalize("NFKC", text).strip().lower()
    if not normalized:
        raise BirthdayError("empty", "no birthday given")
    if normalized.startswith("lunar"):
        return _parse_english_lunar(text, normalized)
    compact = re.sub(r"\s+", "", normalized)
    for prefix in _LUNAR_PREFIXES:
        if compact.startswith(prefix):
            return _parse_chinese_lunar(text, compact.removeprefix(prefix))
    for prefix in _SOLAR_PREFIXES:
        if compact.startswith(prefix):
            return _parse_solar(text, compact.removeprefix(prefix), normalized.removeprefix(prefix))
    return _parse_solar(text, compact, normalized)


def _parse_solar(original: str, compact: str, spaced: str) -> Birthday:
    if m := ISO_DATE.fullmatch(compact):
        return Birthday(int(m[3]), int(m[4]), year=int(m[1]))
    if m := MONTH_DAY.fullmatch(compact.replace(".", "/")):
        return Birthday(int(m[1]), int(m[2]))
    if (m := CN_DATE.fullmatch(compact)) and (month := parse_cn_number(m[2])) and (day := parse_cn_number(m[3])):
        return Birthday(month, day, year=_optional_int(m[1]))
    if m := _EN_MONTH_DAY.fullmatch(spaced):
        return Birthday(_english_month(original, m[1]), int(m[2]), year=_optional_int(m[3]))
    if m := _EN_DAY_MONTH.fullmatch(spaced):
        return Birthday(_english_month(original, m[2]), int(m[1]), year=_optional_int(m[3]))
    raise BirthdayError("bad_format", f"not a birthday I can read: {original!r}")


def _parse_chinese_lunar(original: str, rest: str) -> Birthday:
    if m := _ZH_LUNAR.fullmatch(rest):
        month = _lunar_month_number(original, m[3])
        day = _chinese_numeral(original, m[4])
    elif m := _ZH_LUNAR_NUMERIC.fullmatch(rest):
        month, day = int(m[3]), int(m[4])
    else:
        raise BirthdayError("bad_format", f"not a lunar birthday I can read: {original!r}")
    return Birthday(month, day, is_lunar=True, is_leap_month=bool(m[2]), year=_optional_int(m[1]))


def _parse_english_lunar(original: str, normalized: str) -> Birthday:
    m = _EN_LUNAR.fullmatch(normalized)
    if m is None:
        raise BirthdayError("bad_format", f"not a lunar birthday I can read: {original!r}")
    return Birthday(int(m[3]), int(m[4]), is_lunar=True, is_leap_month=bool(m[1]), year=_optional_int(m[2]))


def _lunar_month_number(original: str, word: str) -> int:
    if word in _MONTH_WORD_ZH:
        return _MONTH_WORD_ZH[word]
    return _chinese_numeral(original, word)


def _chinese_numeral(original: str, word: str) -> int:
    value = parse_cn_day_number(word)
    if value is None:
        raise BirthdayError("bad_format", f"{word!r} is not a day or month number in {original!r}")
    return value


def _english_month(original: str, word: str) -> int:
    month = EN_MONTHS.get(word)
    if month is None:
        raise BirthdayError("bad_format", f"{word!r} is not a month name in {original!r}")
    return month


def _optional_int(digits: str | None) -> int | None:
    return int(digits) if digits else None


def format_birthday(b: Birthday, lang: str) -> str:
    """Write a birthday for people: zh ``3月2日`` / ``1985年3月2日`` / ``农历闰四月初五`` / ``农历1985年三月初五``;
    en ``Mar 2`` / ``1985-03-02`` / ``lunar 3/5`` / ``lunar leap 4/5`` / ``lunar 1985/3/5``.

    Every output parses back to the same ``Birthday`` with ``parse_birthday``.
    """
    if text_language(lang) == "zh":
        year = f"{b.year}年" if b.year is not None else ""
        if b.is_lunar:
            leap = "闰" if b.is_leap_month else ""
            return f"农历{year}{leap}{LUNAR_MONTH_NAMES_ZH[b.month]}月{LUNAR_DAY_NAMES_ZH[b.day]}"
        return f"{year}{b.month}月{b.day}日"
    if b.is_lunar:
        leap = "leap " if b.is_leap_month else ""
        year = f"{b.year}/" if b.year is not None else ""
        return f"lunar {leap}{year}{b.month}/{b.day}"
    if b.year is not None:
        return f"{b.year:04d}-{b.month:02d}-{b.day:02d}"
    return f"{_MONTHS_EN[b.month - 1]} {b.day}"
