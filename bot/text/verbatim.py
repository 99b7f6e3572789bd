"""Text kept as typed: notes and next steps keep their punctuation (``，。；“”``, full- or half-width),
while only the command's own syntax (the command word, keys, dates, amounts) is read from the
normalised line.

The parser works on :func:`bot.text.normalize.normalize_text` output; :func:`attach_raw` traces each of
its characters back to the line as typed, so every :class:`~bot.text.words.Word` also carries its raw
text and the separators typed before it, and :func:`join_verbatim` rebuilds a run of words as typed.
Where a character cannot be traced (a compatibility character that NFKC expands), words keep their
normalised text: the fallback is the old behaviour, never a garbled note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.text.words import Word

__all__ = ["attach_raw", "join_verbatim", "raw_suffix"]

_WHITESPACE = re.compile(r"\s+")


def attach_raw(words: list[Word], typed: str, normalized: str) -> list[Word]:
    """``words`` (split from ``normalized``) with ``raw`` and ``gap`` taken from ``typed``."""
    sources = _trace(typed, normalized)
    if sources is None:
        return words
    traced: list[Word] = []
    previous_end = -1
    for word in words:
        if word.start < 0 or word.end <= word.start:
            traced.append(word)
            continue
        first, last = sources[word.start], sources[word.end - 1] + 1
        gap = typed[previous_end:first] if previous_end >= 0 else ""
        traced.append(replace(word, raw=typed[first:last], gap=gap))
        previous_end = last
    return traced


def join_verbatim(words: list[Word]) -> str:
    """The words as typed, with the punctuation and spaces typed between them (runs of whitespace as one
    space); words that were not traced are joined with a space, as before, and a word typed glued to the
    one before (``。下次:``) is joined without one."""
    if len(words) == 1 and words[0].quoted and (inner := _unquoted(words[0].raw)) is not None:
        return inner  # quotes around the whole text only group it (as forms send a note)
    parts: list[str] = []
    for index, word in enumerate(words):
        if not word.raw:
            parts.append((" " if index else "") + word.text)
            continue
        if index and not word.glued:
            parts.append(_WHITESPACE.sub(" ", word.gap) or " ")
        parts.append(word.raw)
    return "".join(parts)


_PAIRS = {'"': '"', "“": "”", "”": "“", "'": "'", "‘": "’", "「": "」", "『": "』"}


def _unquoted(raw: str) -> str | None:
    """``raw`` without the pair of quotes around all of it, or None when it is not one quoted part."""
    if len(raw) >= 2 and raw[0] in _PAIRS and raw[-1] in (_PAIRS[raw[0]], raw[0]):
        inner = raw[1:-1]
        if not any(char in _PAIRS for char in (inner[:1], inner[-1:])) or raw[0] in "「『":
            return inner
    return None


def raw_suffix(word: Word, suffix: str) -> str:
    """The typed form of the last ``len(suffix)`` characters of ``word`` (a step glued to its date)."""
    if word.raw and len(word.raw) == len(word.text) and unicodedata.normalize("NFKC", word.raw[-len(suffix) :]) == suffix:
        return word.raw[-len(suffix) :]
    return suffix


def _trace(typed: str, normalized: str) -> list[int] | None:
    """For each character of ``normalized``, the index in ``typed`` it came from; None if untraceable."""
    stream = [(folded, index) for index, char in enumerate(typed) for folded in unicodedata.normalize("NFKC", char)]
    sources: list[int] = []
    position = 0
    for char in normalized:
        while position < len(stream) and stream[position][0] != char and not (
            char == " " and stream[position][0].isspace()
        ):
            position += 1
        if position == len(stream):
            return None
        sources.append(stream[position][1])
        position += 1
    return sources
