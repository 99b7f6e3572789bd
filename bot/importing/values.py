"""Reading the values spreadsheets really hold: dates in every common spelling, phones with extensions.

Dates: ``2024-03-05``, ``2024/3/5``, ``2024.03.05``, ``20240305``, ``2024年3月5日``, ``3/5/2024`` (month or day
first, as the file's own evidence says: see ``DateOrder``), ``5-Mar-2024`` / ``Mar 5, 2024``, ISO instants
(``2024-03-05T14:30:00Z``), a time after any of them (``14:30``, ``2:30 PM``), and Excel serial numbers
(``45356`` or ``45356.5``, what a date cell without a date format exports as).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.calendar.birthdays import Birthday, BirthdayError, parse_birthday

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}  # fmt: skip

_TIME = r"(?:[ T]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?\s*(z|[+-]\d{2}:?\d{2}|utc|gmt)?)?"
_YMD = re.compile(rf"(\d{{4}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*[日号]?{_TIME}$", re.I)
_COMPACT = re.compile(rf"((?:19|20)\d{{2}})(\d{{2}})(\d{{2}}){_TIME}$", re.I)
_SLASHED = re.compile(rf"(\d{{1,2}})\s*[-/.]\s*(\d{{1,2}})\s*[-/.]\s*(\d{{4}}|\d{{2}}){_TIME}$", re.I)
_NAMED_DMY = re.compile(rf"(\d{{1,2}})[\s-]+([a-z]{{3,9}})\.?[\s,-]+(\d{{4}}){_TIME}$", re.I)
_NAMED_MDY = re.compile(rf"([a-z]{{3,9}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_TIME}$", re.I)
_SERIAL = re.compile(r"(\d{5})(?:\.(\d+))?$")
# Excel serials of plausible dates: 1954 to 2119 (the 1900 system; its day 60 is a fictitious 29 Feb 1900).
_SERIAL_RANGE = (20_000, 80_000)
_EXCEL_EPOCH = date(1899, 12, 30)
_LUNAR_WITH_YEAR = re.compile(r"^\s*(\d{4})\s*年\s*(农历|阴历)(.+)$")


@dataclass
class DateOrder:
    """Whether ``a/b/yyyy`` dates in this file are month first (US exports) or day first.

    Decided by the file's evidence: a first number above 12 can only be a day, a second above 12 only a
    day. Without evidence the month comes first (what the US-built CRMs export)."""

    day_first: bool = False
    decided: bool = False

    def observe(self, text: str) -> None:
        """Learn from one cell's text."""
        if self.decided:
            return
        match = _SLASHED.match(text.strip())
        if match is None:
            return
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            self.day_first, self.decided = True, True
        elif second > 12 >= first:
            self.day_first, self.decided = False, True


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date read from a cell, with its wall-clock time when the cell had one (and its UTC offset if given)."""

    day: date
    at: time | None = None
    utc_offset: timedelta | None = None


def parse_date(text: str, *, day_first: bool = False) -> ParsedDate | None:
    """The date (and time) ``text`` spells, or ``None`` when it is not a date."""
    text = text.strip()
    if not text:
        return None
    try:
        if (m := _YMD.match(text)) or (m := _COMPACT.match(text)):
            return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.groups()[3:])
        if m := _SLASHED.match(text):
            a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            year += 2000 if year < 100 and year < 70 else 1900 if year < 100 else 0
            month, day = (b, a) if (day_first or a > 12) and b <= 12 else (a, b)
            return _build(year, month, day, m.groups()[3:])
        if (m := _NAMED_DMY.match(text)) and m.group(2).lower() in _MONTHS:
            return _build(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)), m.groups()[3:])
        if (m := _NAMED_MDY.match(text)) and m.group(1).lower() in _MONTHS:
            return _build(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)), m.groups()[3:])
        if (m := _SERIAL.match(text)) and _SERIAL_RANGE[0] <= int(m.group(1)) <= _SERIAL_RANGE[1]:
            serial_day = _EXCEL_EPOCH + timedelta(days=int(m.group(1)))
            if m.group(2):
                seconds = round(float(f"0.{m.group(2)}") * 86_400)
                return ParsedDate(serial_day, (datetime.min + timedelta(seconds=min(seconds, 86_399))).time())
            return ParsedDate(serial_day)
    except ValueError:  # 2023-02-29, 25:00
        return None
    return None


def _build(year: int, month: int, day: int, clock: tuple) -> ParsedDate:
    hour, minute, second, meridiem, zone = clock
    on = date(year, month, day)
    if hour is None:
        return ParsedDate(on)
    h = int(hour)
    if meridiem:
        pm = meridiem.lower().startswith("p")
        h = (h % 12) + (12 if pm else 0)
    at = time(h, int(minute), int(second or 0))
    offset = None
    if zone:
        zone = zone.lower()
        if zone in ("z", "utc", "gmt"):
            offset = timedelta(0)
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return ParsedDate(on, at, offset)


def read_birthday(text: str, *, day_first: bool = False) -> Birthday:
    """A birthday in any spelling ``parse_birthday`` reads, or a full date (``05/17/1988``, ``19850302``, an
    Excel serial), or a lunar date with its year in front (``1985年农历三月初五``). Raises ``BirthdayError``."""
    try:
        return parse_birthday(text)
    except BirthdayError as error:
        first_error = error
    if (lunar := _LUNAR_WITH_YEAR.match(text)) is not None:
        found = parse_birthday(f"{lunar.group(2)}{lunar.group(3)}")
        return Birthday(found.month, found.day, found.is_lunar, found.is_leap_month, int(lunar.group(1)))
    parsed = parse_date(text, day_first=day_first)
    if parsed is None:
        raise first_error
    return Birthday(parsed.day.month, parsed.day.day, False, False, parsed.day.year)


# "13500135000 转 801", "010-8888 6666 ext. 12", "x12", "#12", "分机 12"
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.I)
_FLOAT_TAIL = re.compile(r"^(\+?\d{6,15})\.0+$")


def split_extension(text: str) -> tuple[str, str | None]:
    """``13500135000.0`` → ``13500135000``; ``010-88886666 转 801`` → (``010-88886666``, ``801``)."""
    text = text.strip()
    if (floated := _FLOAT_TAIL.match(text)) is not None:
        return floated.group(1), None
    if (ext := _EXTENSION.search(text)) is not None and ext.start() > 0:
        return text[: ext.start()].strip(" ,;-"), ext.group(1)
    return text, None
