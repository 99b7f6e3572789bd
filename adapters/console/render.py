"""Plain-text rendering of core replies for the terminal."""

from __future__ import annotations

import re

from bot.messages import Card, Reply
from bot.render import unescape_md

_BOLD = re.compile(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*")
_CODE = re.compile(r"(?<!\\)`([^`]*)(?<!\\)`")


def plain(text: str) -> str:
    """Core markdown → terminal text: markers dropped, escapes undone."""
    text = _BOLD.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    return unescape_md(text)


def render_card(card: Card) -> str:
    """A card as an indented text block."""
    lines = [f"┌ {plain(card.title)} {card.subtitle}".rstrip()]  # "┌" alone: a bare row of buttons
    for field in card.fields:
        lines.append(f"│ {plain(field.label)}: {plain(field.value)}")
    for heading, body in card.sections:
        lines.append(f"│ {plain(heading)}:")
        lines.extend(f"│   {plain(line)}" for line in body.splitlines())
    if card.actions:
        lines.append("│ " + "  ".join(f"[{plain(a.label)}: {a.command.strip()}]" for a in card.actions))
    lines.append("└")
    return "\n".join(lines)


def render_reply(reply: Reply) -> str:
    """A reply as terminal text: its message, then its card."""
    parts = []
    if reply.text:
        parts.append(plain(reply.text))
    if reply.card is not None:
        parts.append(render_card(reply.card))
    return "\n".join(parts)
