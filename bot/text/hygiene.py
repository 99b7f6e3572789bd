"""Input hygiene shared by chat commands, platform payloads and the importer.

Terminal escape codes and other control characters are removed from anything that becomes a name or a
field, so a stored value never recolours a terminal or hides text. What cannot be stored at all (a NUL
byte: PostgreSQL refuses it, SQLite keeps it, so the backends would disagree; a lone UTF-16 surrogate,
which has no UTF-8 form) is found by `unstorable` so callers can answer clearly instead of failing in the
database driver. The rules are the same for every backend because they run before anything is written.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "clean_or_none", "clean_text", "formula_restored", "formula_safe", "storable", "unstorable"]

# ANSI / ECMA-48 sequences as terminals read them: CSI (ESC [ … final byte, or the 8-bit CSI U+009B),
# OSC and the other string commands (ESC ] … ended by BEL or ESC \), and two-byte ESC sequences.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# C0 controls, DEL and C1 controls; tab and newline are handled apart (kept only where text allows).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` without escape sequences and control characters.

    With ``multiline`` tabs and newlines stay (``\\r\\n`` and lone ``\\r`` become ``\\n``); without it
    each tab or line break becomes a space, so a one-line field never swallows neighbouring words.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, without regex work
    text = _ESCAPES.sub("", text)
    if multiline:
        return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLS.sub("", re.sub(r"[\t\n\r\x0b\x0c]", " ", text))


def unstorable(text: str) -> str | None:
    """Why `text` cannot be stored as it is: ``"nul"`` (a NUL byte), ``"surrogate"`` (broken Unicode, such
    as a lone surrogate left by undecodable bytes), or None when it is fine."""
    if "\x00" in text:
        return "nul"
    if _SURROGATE.search(text):
        return "surrogate"
    return None


def storable(text: str, *, broken: str = "\ufffd", multiline: bool = False) -> str:
    """`text` made safe to store without asking anyone: control characters removed (see `clean_text`),
    broken Unicode as `broken` (U+FFFD). For identifiers and names that platforms send, where refusing would
    lock a person out, and for spreadsheet cells."""
    return clean_text(_SURROGATE.sub(broken, text), multiline=multiline)


def clean_or_none(text: str | None) -> str | None:
    """`storable` for optional values."""
    return None if text is None else storable(text)



# ---- spreadsheet cells -------------------------------------------------------------------------------------

# What makes Excel, LibreOffice or Google Sheets read a typed or CSV-imported cell as a formula (OWASP's
# "CSV injection" list): = + - @, and tab / carriage return, which some of them skip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """`text` as a CSV cell no spreadsheet evaluates: a leading ``'`` before a formula start.

    Text that already starts with quotes followed by a formula start gets one more quote, so
    `formula_restored` gives back exactly the original text for every input.
    """
    if text.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def formula_restored(text: str) -> str:
    """The text `formula_safe` was given (a cell without its protecting quote)."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text
