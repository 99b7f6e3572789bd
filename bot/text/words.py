"""Split a command line into words, honouring quotes, and read ``key:value`` words.

Rules (input is normally already passed through :func:`bot.text.normalize.normalize_text`):

* Words are separated by whitespace, by ``、`` and by ``,`` (the Chinese ``，`` after NFKC). A comma
  between digits that starts a three-digit group (``1,000``, ``12,500,000``) is a thousands separator
  and stays inside the number, so amounts survive.
* Quotes group words: ``"..."``, ``“...”``, ``'...'``, ``‘...’``, ``「...」``, ``『...』``. Phones and Chinese
  input methods mix straight and curly double quotes, so ``"``, ``“`` and ``”`` all open and close a
  double-quoted part. A double quote or corner bracket left open runs to the end of the text.
* Single quotes double as apostrophes (``O'Brien``, ``didn't``), so ``'``/``‘``/``’`` open a quote only at
  the start of a word or right after ``key:``, close only before a separator or the end, and a single
  quote that never closes is kept as a plain apostrophe instead of swallowing the rest of the line.
* Quoted parts glue to the bare text around them, as in a shell: ``ab"c d"e`` is one word ``abc de``.
* A sentence ends a word when a ``key:`` follows it without a space (``谈了年度采购。下次:明天``): the
  punctuation stays with the text before it and the key starts a word of its own (``Word.glued``), so
  the text is rebuilt exactly as typed.

``Word.quoted`` says the user quoted the word, which makes it literal: callers must not read it as a
command, a date, a ``#id`` or a ``key:value``. The exception is a quoted *value* glued to a bare key
(``name:"Acme Ltd"``): the key was typed bare, so the word ``name:Acme Ltd`` has ``quoted=False`` and
:func:`split_key_value` splits it at its first ``:``, which is always inside the bare key part.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

__all__ = ["Word", "split_key_value", "split_words"]

_DOUBLE_QUOTES = frozenset('"“”')
_SINGLE_QUOTES = frozenset("'‘’")
_CORNER_CLOSERS = {"「": "」", "『": "』"}
# Full-width forms are listed too, so text that skipped normalize_text still splits correctly.
_KEY_SEPARATORS = frozenset(":=：＝")
_WORD_SEPARATORS = frozenset(",、，")

# A key is 1–20 letters (any script, so CJK too) or underscores: ``[^\W\d]`` is \w without digits.
_KEY = re.compile(r"[^\W\d]{1,20}")
# Sentence ends (after NFKC ``；！？`` are ``;!?``; ``。`` stays) after which a glued ``key:`` starts a word.
_SENTENCE_ENDS = frozenset("。.;!?；！？")
_KEY_AHEAD = re.compile(r"[^\W\d]{1,20}[:=：＝]\S")


@dataclass(frozen=True)
class Word:
    """One word of a command line: its text with quotes removed, whether the user quoted it, and whether a
    comma (``,``, ``，`` or ``、``) stood between it and the word before (``tags:vip,华东``)."""

    text: str
    quoted: bool
    after_comma: bool = field(default=False, compare=False)
    # Where the word sits in the text given to split_words (end exclusive; -1 for a word built by hand).
    start: int = field(default=-1, compare=False)
    end: int = field(default=-1, compare=False)
    # The word as the user typed it, quotes and full-width punctuation included, and the separators typed
    # between it and the word before (see bot.text.verbatim); empty when not traced.
    raw: str = field(default="", compare=False)
    gap: str = field(default="", compare=False)
    # Typed with nothing between it and the word before (a ``key:`` right after a sentence's end).
    glued: bool = field(default=False, compare=False)


def split_words(text: str) -> list[Word]:
    """Split ``text`` into :class:`Word` objects (see the module docstring for the rules).

    An explicitly empty quoted word (``""``) is kept as ``Word("", True)``; separators never produce
    empty words.
    """
    words: list[Word] = []
    parts: list[str] = []  # pieces of the current word
    in_word = False  # the current word has started (possibly with an empty quoted part)
    start = 0  # where the current word started
    quoted = False  # some part of the current word was quoted
    bare_key = False  # a ':'/'=' was typed bare before the first quoted part
    comma_seen = False  # a comma separated the last word from what comes next
    after_comma = False  # ... and the current word is that next one
    glued = False  # the current word starts right where a sentence ended (no separator)
    length = len(text)
    # Where a single quote could close (it is followed by a separator or the end); computed once so
    # that a line full of apostrophes is still read in linear time.
    single_closers = [j for j, char in enumerate(text) if char in _SINGLE_QUOTES and _ends_word(text, j + 1)]
    i = 0
    while i < length:
        char = text[i]
        if char.isspace() or (char in _WORD_SEPARATORS and not _is_thousands_comma(text, i)):
            if in_word:
                words.append(Word("".join(parts), quoted and not bare_key, after_comma, start, i, glued=glued))
                parts, in_word, quoted, bare_key = [], False, False, False
            glued = False
            comma_seen = comma_seen or char in _WORD_SEPARATORS
            i += 1
            continue
        if not in_word:
            after_comma, comma_seen, start = comma_seen and bool(words), False, i

        closing = _find_closing_quote(text, i, parts, single_closers)
        if closing is not None:
            parts.append(text[i + 1 : closing])
            in_word = quoted = True
            i = closing + 1
            continue

        if not quoted and char in _KEY_SEPARATORS:
            bare_key = True
        parts.append(char)
        in_word = True
        i += 1
        if char in _SENTENCE_ENDS and not bare_key and _KEY_AHEAD.match(text, i):
            words.append(Word("".join(parts), quoted, after_comma, start, i, glued=glued))
            parts, in_word, quoted, bare_key, glued = [], False, False, False, True
            after_comma, start = False, i
            continue

    if in_word:
        words.append(Word("".join(parts), quoted and not bare_key, after_comma, start, length, glued=glued))
    return words


def split_key_value(word: Word) -> tuple[str, str] | None:
    """Read ``key:value`` or ``key=value`` from ``word``; return ``(key lower-cased, value)`` or None.

    The key is the text before the first ``:``/``=`` and must be 1–20 letters (Latin, CJK, ...) or
    underscores; the value, trimmed, must be non-empty. So clock times (``10:00``), ratios (``3:2``),
    ``#12``, emoticons (``:)``) and quoted words are not key/value words, and neither are URLs
    (``https://x.y``): a value starting with ``//`` is an address, not a value.
    """
    if word.quoted:
        return None
    text = word.text
    cut = next((i for i, char in enumerate(text) if char in _KEY_SEPARATORS), -1)
    if cut <= 0:
        return None
    key, value = text[:cut], text[cut + 1 :].strip()
    if not value or value.startswith("//") or not _KEY.fullmatch(key):
        return None
    return key.lower(), value


def _is_thousands_comma(text: str, i: int) -> bool:
    """True when the ``,`` at ``i`` sits inside a number as a thousands separator (``1,000``)."""
    if text[i] != "," or i == 0 or not text[i - 1].isdecimal():
        return False
    group = text[i + 1 : i + 4]
    return len(group) == 3 and group.isdecimal() and (i + 4 == len(text) or not text[i + 4].isdecimal())


def _find_closing_quote(text: str, i: int, parts: list[str], single_closers: list[int]) -> int | None:
    """If ``text[i]`` opens a quote, return the index of its closing quote (``len(text)`` when a
    double quote or corner bracket is left open); otherwise None. ``single_closers`` lists, in order,
    the positions where a single quote may close."""
    char = text[i]
    if char in _DOUBLE_QUOTES:
        return next((j for j in range(i + 1, len(text)) if text[j] in _DOUBLE_QUOTES), len(text))
    if char in _CORNER_CLOSERS:
        closing = text.find(_CORNER_CLOSERS[char], i + 1)
        return len(text) if closing < 0 else closing
    if char in _SINGLE_QUOTES and (not parts or parts[-1] in _KEY_SEPARATORS):
        # Only a quote that closes before a separator counts; otherwise it is an apostrophe.
        at = bisect_right(single_closers, i)
        if at < len(single_closers):
            return single_closers[at]
    return None


def _ends_word(text: str, i: int) -> bool:
    return i == len(text) or text[i].isspace() or text[i] in _WORD_SEPARATORS
