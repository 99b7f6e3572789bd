"""The first step for every chat message: make what the user typed comparable.

Phones and Chinese input methods produce full-width punctuation (``：＃／，``), ideographic spaces
(U+3000) and stray zero-width characters; NFKC folds the first two onto ASCII, and we drop the last.
"""

from __future__ import annotations

import unicodedata

from bot.text.hygiene import clean_text

__all__ = ["COMMAND_MARKERS", "normalize_text"]

#: A leading character some users put before a command out of habit (Slack's ``/``, DingTalk's ``#``).
COMMAND_MARKERS = frozenset("/#!")

# Invisible characters that copy-paste from web pages and some phone keyboards insert. They are not
# whitespace to ``str.split`` and would otherwise end up inside customer names and keys. ZWJ/ZWNJ
# (U+200C/U+200D) are kept: they are meaningful inside emoji sequences.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))


def normalize_text(text: str) -> str:
    """Return ``text`` without control characters or terminal escapes, NFKC-normalised, trimmed, with whitespace runs collapsed to one space and one
    leading command marker removed.

    The marker (``/``, ``#`` or ``!``, full-width forms included) is removed only when a non-digit
    follows it, so ``＃帮助`` becomes ``帮助`` and ``/new Acme`` becomes ``new Acme`` while ``#12`` (a
    customer id) is kept. A marker followed by a space is removed with the space (``/ new`` → ``new``).
    Commas, including the Chinese ``，`` (which NFKC turns into ``,``), are left for the tokenizer.
    """
    # Escape codes and control characters go first, so "\x1b[31mAcme" is "Acme", not "[31mAcme".
    folded = unicodedata.normalize("NFKC", clean_text(text)).translate(_INVISIBLE)
    collapsed = " ".join(folded.split())
    if len(collapsed) >= 2 and collapsed[0] in COMMAND_MARKERS and not collapsed[1].isdecimal():
        return collapsed[1:].lstrip()
    return collapsed
