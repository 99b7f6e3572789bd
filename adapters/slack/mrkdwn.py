"""Core markdown → Slack mrkdwn and plain text, neutralising everything Slack would interpret.

The core writes ``**bold**``, ``_italic_``, `` `code` ``, ``- `` lists and ``> `` quotes, with user values
backslash-escaped (`bot.render.escape_md`). Slack reads more than that from any text we send:

- ``<…>`` is a control sequence (``<!channel>`` pings everyone, ``<https://x|y>`` is a disguised link),
  so ``&``, ``<`` and ``>`` are *always* sent as ``&amp;``, ``&lt;``, ``&gt;`` — also where the core forgot
  to escape a value. That single rule is what makes a customer named ``<!channel>`` ping nobody.
- ``*``, ``_``, ``~`` and `` ` `` format text when they sit at a word boundary, and Slack has no escape
  for them. A *literal* one (escaped in the core markdown) at a boundary is swapped for a look-alike
  (``∗ ＿ ∼ ˋ``); inside a word (``john_doe@x.com``, ``a*b``) Slack does not format, so it is kept as is
  and stays copy-pasteable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.paging import pack_lines

_CONTROL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_FORMAT_LOOKALIKES = {"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"}
ELLIPSIS = "…"
_SPECIAL = re.compile(r"[\\*_`~&<>]")


def escape_control(text: str) -> str:
    """Escape Slack's three control characters (for text that is not core markdown)."""
    return "".join(_CONTROL.get(char, char) for char in text)


@dataclass(frozen=True)
class _Token:
    text: str
    literal: bool  # user/template text, as opposed to a formatting marker


def _tokens(line: str) -> list[_Token]:
    """Split one line of core markdown into literal characters and formatting markers."""
    tokens: list[_Token] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            tokens.append(_Token(line[i + 1], True))
            i += 2
        elif line.startswith("**", i):
            tokens.append(_Token("**", False))
            i += 2
        elif char in "_`":
            tokens.append(_Token(char, False))
            i += 1
        else:
            tokens.append(_Token(char, True))
            i += 1
    return tokens


def _is_word_char(token: _Token | None) -> bool:
    return token is not None and token.literal and token.text.isalnum()


def _line_to_mrkdwn(line: str) -> str:
    if not _SPECIAL.search(line):  # most lines: nothing to convert or neutralise
        return "• " + line[2:] if line.startswith("- ") else line
    prefix = ""
    if line.startswith("- "):
        prefix, line = "• ", line[2:]
    elif line.startswith(">"):
        prefix, line = ">", line[1:]
    tokens = _tokens(line)
    out: list[str] = [prefix]
    in_code = False
    for index, token in enumerate(tokens):
        if not token.literal:
            if token.text == "`":
                in_code = not in_code
            out.append("*" if token.text == "**" else token.text)
            continue
        char = token.text
        if char in _CONTROL:
            out.append(_CONTROL[char])
        elif char in _FORMAT_LOOKALIKES and not in_code:
            inside_word = _is_word_char(tokens[index - 1] if index else None) and _is_word_char(
                tokens[index + 1] if index + 1 < len(tokens) else None
            )
            out.append(char if inside_word else _FORMAT_LOOKALIKES[char])
        else:
            out.append(char)
    return "".join(out)


def to_mrkdwn(markdown: str) -> str:
    """Core markdown → Slack mrkdwn, with control characters escaped and literal markers neutralised."""
    return "\n".join(_line_to_mrkdwn(line) for line in str(markdown).split("\n"))


def to_plain(markdown: str) -> str:
    """Core markdown → text for ``plain_text`` objects: markers dropped, escapes undone, ``&<>`` escaped."""
    lines = []
    for line in str(markdown).split("\n"):
        tokens = _tokens(line)
        lines.append("".join(_CONTROL.get(t.text, t.text) for t in tokens if t.literal))
    return "\n".join(lines)


def to_plain_unescaped(markdown: str) -> str:
    """Core markdown → raw text (for input ``initial_value`` and modal error strings, never parsed by Slack)."""
    return "\n".join("".join(t.text for t in _tokens(line) if t.literal) for line in str(markdown).split("\n"))


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with an ellipsis and never inside an ``&…;`` entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, preferring line breaks.

    A single line longer than ``limit`` is cut hard (between entities, never inside one).
    """
    return ["\n".join(page) for page in pack_lines(text.split("\n"), limit, overlong=_hard_cut)]


def _hard_cut(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(line) > limit:
        cut = limit
        amp = line.rfind("&", 0, cut)
        if amp != -1 and ";" not in line[amp:cut]:
            cut = amp or limit
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line] if line else pieces
