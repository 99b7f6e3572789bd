"""Block Kit rendering of core `Reply`s and `Card`s, kept inside Slack's limits.

A card becomes: header (title) → context (subtitle) → sections of up to 10 fields → one section per card
section → context (footer) → an actions block whose buttons carry the `CardAction.command` in their
``value`` (the click runs that command as the clicking user). The core pages a reply for Slack's declared
capabilities (`bot.delivery.fit`: 12,000 characters of block text, 3,000 per section); each page becomes
one message, its text split into sections with the one splitter; nothing is sent that Slack would reject.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from adapters.slack.mrkdwn import split_text, to_mrkdwn, to_plain, truncate
from adapters.slack.platform import SLACK
from bot.delivery import fit
from bot.messages import Card, CardAction, Reply

log = logging.getLogger("crmbot.slack.blocks")

MAX_MESSAGE_BLOCKS = SLACK.capabilities.max_blocks or 50
MAX_VIEW_BLOCKS = 100
HEADER_LIMIT = 150
SECTION_LIMIT = SLACK.capabilities.block_chars
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
CONTEXT_LIMIT = 2000
BUTTON_TEXT_LIMIT = SLACK.capabilities.max_option_chars
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_BLOCK = 25
FALLBACK_LIMIT = 3000  # notification text; Slack cuts at 40,000 but nobody reads that much in a toast
ACTION_PREFIX = "crm_"


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message: fallback ``text`` (mrkdwn, used in notifications) and ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage / chat.update / respond()."""
        return {"text": self.text, "blocks": self.blocks}


def mrkdwn_object(text: str) -> dict[str, Any]:
    """A mrkdwn text object; ``verbatim`` stops Slack from auto-linking URLs and names inside it."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain_object(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    """A plain_text object, truncated to ``limit`` (Slack rejects empty text, so it is never empty)."""
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def section(text: str) -> dict[str, Any]:
    """A section block with mrkdwn text (caller keeps it within 3000 characters)."""
    return {"type": "section", "text": mrkdwn_object(text)}


def context(text: str) -> dict[str, Any]:
    """A context block with one mrkdwn element."""
    return {"type": "context", "elements": [mrkdwn_object(truncate(text, CONTEXT_LIMIT))]}


def text_blocks(markdown: str) -> list[dict[str, Any]]:
    """Core markdown as sections of at most 3000 characters each, split at line breaks."""
    if not str(markdown).strip():
        return []
    return [section(chunk) for chunk in split_text(to_mrkdwn(markdown), SECTION_LIMIT) if chunk.strip()]


def button(action: CardAction) -> dict[str, Any] | None:
    """A button whose ``value`` is the click's value (an encoded `bot.actions` action); None when it cannot fit."""
    value = action.click_value
    if len(value) > BUTTON_VALUE_LIMIT:
        log.warning("button %s dropped: value longer than %d characters", action.action_id, BUTTON_VALUE_LIMIT)
        return None
    element: dict[str, Any] = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{action.action_id}"[:255],
        "text": plain_object(to_plain(action.label), BUTTON_TEXT_LIMIT),
        "value": value,
    }
    if action.style in ("primary", "danger"):
        element["style"] = action.style
    return element


def actions_blocks(actions: Iterable[CardAction]) -> list[dict[str, Any]]:
    """Buttons, 25 per actions block; action ids are made unique within each block."""
    buttons = [b for b in (button(a) for a in actions) if b is not None]
    seen: dict[str, int] = {}
    for element in buttons:
        base = element["action_id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            element["action_id"] = f"{base}_{seen[base]}"
    return [
        {"type": "actions", "elements": buttons[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(buttons), BUTTONS_PER_BLOCK)
    ]


def card_blocks(card: Card) -> list[dict[str, Any]]:
    """The Block Kit form of a card (header, fields, sections, footer, buttons)."""
    blocks: list[dict[str, Any]] = []
    if to_plain(card.title).strip():
        blocks.append({"type": "header", "text": plain_object(to_plain(card.title), HEADER_LIMIT)})
    if card.subtitle.strip():
        blocks.append(context(to_mrkdwn(card.subtitle)))
    fields = [
        mrkdwn_object(truncate(f"*{to_mrkdwn(f.label)}*\n{to_mrkdwn(f.value)}", FIELD_LIMIT)) for f in card.fields
    ]
    for i in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[i : i + FIELDS_PER_SECTION]})
    for heading, body in card.sections:
        chunks = split_text(to_mrkdwn(body), SECTION_LIMIT - HEADER_LIMIT - 10)
        title = truncate(to_mrkdwn(heading), HEADER_LIMIT)
        blocks.append(section(f"*{title}*\n{chunks[0]}"))
        blocks.extend(section(chunk) for chunk in chunks[1:] if chunk.strip())
    if card.footer.strip():
        blocks.append(context(to_mrkdwn(card.footer)))
    blocks.extend(actions_blocks(card.actions))
    return blocks


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The blocks of a reply: its text, then its card."""
    blocks = text_blocks(reply.text)
    if reply.card is not None:
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(card_blocks(reply.card))
    return blocks


def fallback_text(reply: Reply) -> str:
    """Notification text for a reply: its text, else the card title (mrkdwn, at most 3000 characters)."""
    source = reply.text or (f"**{reply.card.title}** {reply.card.subtitle}" if reply.card else "")
    return truncate(to_mrkdwn(source).strip() or " ", FALLBACK_LIMIT)


def measure(line: str) -> int:
    """How Slack counts a line of core markdown: the characters of its mrkdwn (``&`` is sent as ``&amp;``)."""
    return len(to_mrkdwn(line))


def render_reply(reply: Reply) -> SlackMessage:
    """One page of a reply (as `fit` made it) as one Slack message: its text's sections, then its card.

    The page is within Slack's limits by construction; the cut to 50 blocks is a last guard that a
    reply with more fields than any card has would meet.
    """
    blocks = reply_blocks(reply)
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        log.warning("a reply of %d blocks was cut to %d", len(blocks), MAX_MESSAGE_BLOCKS)
        blocks = blocks[:MAX_MESSAGE_BLOCKS]
    return SlackMessage(fallback_text(reply), blocks)


def render_pages(reply: Reply, *, seen_by_others: bool) -> list[SlackMessage]:
    """A reply as the Slack messages the core pages it into for Slack's capabilities (see `bot.delivery.fit`)."""
    return [render_reply(page) for page in fit(reply, SLACK.capabilities, seen_by_others=seen_by_others, measure=measure)]


def limit_view_blocks(blocks: list[dict[str, Any]], notice: str, limit: int = MAX_VIEW_BLOCKS) -> list[dict[str, Any]]:
    """At most ``limit`` blocks for a modal or the Home tab, ending with ``notice`` when cut."""
    if len(blocks) <= limit:
        return blocks
    return blocks[: limit - 1] + [context(notice)]
