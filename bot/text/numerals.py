"""Small whole numbers as people type them in chat: ``3``, ``三``, ``两``, ``十一``, ``二十三``, ``零五``,
and English words (``a``, ``one`` … ``twelve``).

Dates and times only ever need numbers below 100 (days, hours, minutes, counts), which is all this
module reads; anything else is "not a number" (None), never a guess.
"""

from __future__ import annotations

__all__ = ["CN_NUMBER_CHARS", "NUMBER_PATTERN", "parse_cn_number", "parse_en_number"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
CN_NUMBER_CHARS = "".join(_CN_DIGITS) + "十"

#: Regex fragment matching the text :func:`parse_cn_number` reads (ASCII digits or Chinese numerals).
NUMBER_PATTERN = rf"(?:[0-9]{{1,4}}|[{CN_NUMBER_CHARS}]{{1,3}})"

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
    a leading zero as said for minutes (``零五`` = 5).
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


def parse_en_number(text: str) -> int | None:
    """Read ASCII digits or an English number word (``a``/``an`` = 1, ``one`` … ``twelve``)."""
    if text.isascii() and text.isdigit():
        return int(text)
    return _EN_WORDS.get(text.lower())
