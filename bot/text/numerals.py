"""Numbers as people type them in chat, for every reader in crmbot (dates, times, birthdays, amounts,
counts): ``3``, ``三``, ``两``, ``十一``, ``二十三``, ``零五``, the day names of the lunar calendar (``初五``,
``廿三``, ``卅``), amounts with units (``一万二``, ``三万五千``, ``1.5万``, ``两千``, ``3万5``) and English
words (``a``, ``one`` … ``twelve``).

Anything that is not written as a number is "not a number" (None), never a guess.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = [
    "CN_NUMBER_CHARS",
    "NUMBER_PATTERN",
    "QUANTITY_PATTERN",
    "parse_cn_count",
    "parse_cn_day_number",
    "parse_cn_number",
    "parse_cn_quantity",
    "parse_en_number",
]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
CN_NUMBER_CHARS = "".join(_CN_DIGITS) + "十"

#: Regex fragment matching the text :func:`parse_cn_number` reads (ASCII digits or Chinese numerals).
NUMBER_PATTERN = rf"(?:[0-9]{{1,4}}|[{CN_NUMBER_CHARS}]{{1,3}})"

# Units of a written quantity. 万 and 亿 close a section ("三千五百万" is 3500 × 10⁴).
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
#: Regex fragment for a quantity :func:`parse_cn_quantity` may read (digits, Chinese numerals, units).
QUANTITY_PATTERN = (
    rf"(?:[0-9]+(?:\.[0-9]+)?|[{''.join(_CN_DIGITS)}])"
    rf"(?:[0-9.{''.join(_CN_DIGITS)}{''.join(_SMALL_UNITS)}{''.join(_BIG_UNITS)}]*)"
    rf"|[十拾](?:[{''.join(_CN_DIGITS)}{''.join(_SMALL_UNITS)}{''.join(_BIG_UNITS)}]*)"
)

_EN_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}


def parse_cn_number(text: str) -> int | None:
    """Read ASCII digits or a Chinese numeral below 100; None if ``text`` is neither.

    Accepted Chinese forms: one digit (``三``, ``两``), ``十``, ``十X``, ``X十``, ``X十Y`` and a digit after
    a leading zero as said for minutes (``零五`` = 5). Dates and clock times never need more.
    """
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(char not in CN_NUMBER_CHARS for char in text):
        return None
    if text[0] in "零〇" and len(text) == 2 and text[1] in _CN_DIGITS:
        return _CN_DIGITS[text[1]]
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens_text, _, ones_text = text.partition("十")
    if len(tens_text) > 1 or len(ones_text) > 1 or "十" in ones_text:
        return None
    tens = _CN_DIGITS[tens_text] if tens_text else 1
    ones = _CN_DIGITS[ones_text] if ones_text else 0
    if tens == 0 or (tens_text and ones_text and ones == 0):
        return None  # "零十", "二十零" are not how anyone writes a number
    return tens * 10 + ones


def parse_cn_day_number(text: str) -> int | None:
    """A day of a month as the lunar calendar writes it, 1–30: ``初五``, ``初十``, ``十五``, ``廿三``, ``廿``,
    ``卅``, ``二十三``, or ASCII digits; None otherwise."""
    if text.startswith("初") and len(text) == 2:
        value = parse_cn_number(text[1])
        return value if value is not None and 1 <= value <= 10 else None
    if text.startswith("廿") and len(text) <= 2:
        rest = parse_cn_number(text[1:]) if len(text) == 2 else 0
        return None if rest is None or rest > 9 else 20 + rest
    if text == "卅":
        return 30
    return parse_cn_number(text)


def parse_cn_quantity(text: str) -> Decimal | None:
    """Read a quantity written with digits, Chinese numerals and units; None if ``text`` is not one.

    ``12000``, ``1.5万`` (15000), ``3万5`` / ``三万五`` / ``三万五千`` (35000), ``一万二`` (12000), ``两千``,
    ``两千五`` (2500), ``十二``, ``一百零五`` (105), ``2亿``. A lone digit after a unit is read as people
    say it, one unit lower (``一万二`` is 12000, not 10002); after ``零`` it is a plain digit.
    """
    if not text:
        return None
    if text.isascii():
        try:
            return Decimal(text) if text.replace(".", "", 1).isdigit() else None
        except InvalidOperation:
            return None
    total = Decimal(0)  # whole 亿/万 sections already closed
    section = Decimal(0)  # the running section below 万
    current: Decimal | None = None  # a number not yet multiplied by a unit
    last_unit = 0  # the unit just read, for the colloquial "一万二"
    after_zero = False
    i = 0
    while i < len(text):
        char = text[i]
        if char.isascii() and (char.isdigit() or char == "."):
            j = i
            while j < len(text) and text[j].isascii() and (text[j].isdigit() or text[j] == "."):
                j += 1
            if current is not None:
                return None
            try:
                current = Decimal(text[i:j])
            except InvalidOperation:
                return None
            i = j
            continue
        if char in _CN_DIGITS:
            value = _CN_DIGITS[char]
            if current is not None:
                return None  # "一二": digits side by side are not a quantity
            if value == 0:
                after_zero, last_unit = True, 0
            else:
                current = Decimal(value)
        elif char in _SMALL_UNITS:
            unit = _SMALL_UNITS[char]
            # Only 十 may stand without a digit before it ("十二", "十万", "一百零十"), and never twice.
            if current is None and (unit != 10 or last_unit == 10 or section % 100 >= 10):
                return None
            section += (current if current is not None else Decimal(1)) * unit
            current, last_unit, after_zero = None, unit, False
        elif char in _BIG_UNITS:
            unit = _BIG_UNITS[char]
            if current is None and section == 0:
                return None
            section += current or 0
            total = (total + section) * unit if unit > 10_000 else total + section * unit
            section, current, last_unit, after_zero = Decimal(0), None, unit, False
        else:
            return None
        i += 1
    if current is not None:
        if last_unit >= 100 and not after_zero and current < 10 and current == current.to_integral_value():
            current *= last_unit // 10  # "一万二", "两千五", "一百二"
        section += current
    return total + section


def parse_cn_count(text: str) -> int | None:
    """A whole count typed in digits or Chinese (``12``, ``十二``, ``两千``); None when it is not one."""
    value = parse_cn_quantity(text)
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def parse_en_number(text: str) -> int | None:
    """Read ASCII digits or an English number word (``a``/``an`` = 1, ``one`` … ``twelve``)."""
    if text.isascii() and text.isdigit():
        return int(text)
    return _EN_WORDS.get(text.lower())
