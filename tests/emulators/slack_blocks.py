"""Block Kit checks the fake Slack applies to everything a bot posts, the way Slack's servers would.

Two layers:

1. `slack_sdk.models` does the per-element limits (`Block.parse(b).to_dict()`, `View(**v).to_dict()`
   raise `SlackObjectFormationError` on oversize text, too many fields, bad view titles, ...).
2. Checks slack_sdk does not make, or makes leniently, done here: unknown block types (slack_sdk just
   returns ``None``), plain strings where Slack wants a text object (slack_sdk silently coerces them),
   blocks per message (50) / per view (100), block_id uniqueness, button/header/section text limits,
   modal titles, the 250 kB view payload cap, and the 40,000-char message text truncation.

Every function returns a list of human-readable error strings ending in a Slack-style
``[json-pointer:/blocks/N]`` so a failing test says exactly which block is wrong; empty list = valid.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_VIEW_PAYLOAD_BYTES = 250_000
MAX_BUTTON_TEXT = 75
MAX_HEADER_TEXT = 150
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_BLOCK_ID = 255
MAX_MESSAGE_BLOCK_TEXT = 12_000  # all text of a message's blocks together (``msg_blocks_too_long``)
MAX_MODAL_TITLE = 24
MAX_INPUT_LABEL = 2000
MAX_OPTION_TEXT = 75

TRUNCATION_NOTICE = (
    "[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters."
)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Errors Slack would report for a message's ``blocks`` (chat.*, response_url, unfurls)."""
    return _validate_block_list(blocks, limit=MAX_MESSAGE_BLOCKS, pointer="/blocks")


def block_text_length(blocks: Any) -> int:
    """The characters of text all ``blocks`` carry (section text and fields, headers, context, buttons …)."""
    if isinstance(blocks, dict):
        total = len(blocks["text"]) if isinstance(blocks.get("text"), str) else 0
        return total + sum(block_text_length(value) for key, value in blocks.items() if key != "text" or
                           not isinstance(value, str))
    if isinstance(blocks, list):
        return sum(block_text_length(item) for item in blocks)
    return 0


def message_too_long(blocks: Any) -> bool:
    """Whether Slack refuses a message's ``blocks`` as ``msg_blocks_too_long`` (over 12,000 characters of text)."""
    return isinstance(blocks, list) and block_text_length(blocks) > MAX_MESSAGE_BLOCK_TEXT


def validate_view(view: Any) -> list[str]:
    """Errors Slack would report for a modal / Home tab ``view`` (views.open|push|update|publish)."""
    if not isinstance(view, dict):
        return ["view must be a JSON object [json-pointer:/view]"]
    errors = _validate_block_list(view.get("blocks"), limit=MAX_VIEW_BLOCKS, pointer="/view/blocks")
    if view.get("type") == "modal" and not isinstance(view.get("title"), dict):
        errors.append("modal views require a plain_text title [json-pointer:/view/title]")
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if isinstance(text, dict) and len(str(text.get("text", ""))) > MAX_MODAL_TITLE:
            errors.append(f"must be at most {MAX_MODAL_TITLE} characters [json-pointer:/view/{key}/text]")
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict):
            continue
        label = block.get("label")
        if isinstance(label, dict) and len(str(label.get("text", ""))) > MAX_INPUT_LABEL:
            errors.append(f"must be at most {MAX_INPUT_LABEL} characters [json-pointer:/view/blocks/{index}/label]")
        for option in _options(block):
            if len(str((option.get("text") or {}).get("text", ""))) > MAX_OPTION_TEXT:
                errors.append(f"option text must be at most {MAX_OPTION_TEXT} characters "
                              f"[json-pointer:/view/blocks/{index}]")
    if len(json.dumps(view).encode("utf-8")) > MAX_VIEW_PAYLOAD_BYTES:
        errors.append(f"view payload exceeds {MAX_VIEW_PAYLOAD_BYTES} bytes [json-pointer:/view]")
    if not errors:
        # Block errors were reported above with precise pointers; View() only adds view-level checks.
        try:
            View(**view).to_dict()
        except (SlackObjectFormationError, TypeError, ValueError) as exc:
            errors.append(f"{exc} [json-pointer:/view]")
    return errors


def truncate_message_text(text: str) -> tuple[str, bool]:
    """Cut ``text`` to Slack's 40,000-character limit; the flag says whether anything was cut."""
    if len(text) <= MAX_MESSAGE_TEXT:
        return text, False
    return text[:MAX_MESSAGE_TEXT], True


def _validate_block_list(blocks: Any, *, limit: int, pointer: str) -> list[str]:
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [f"blocks must be a JSON array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"[json-pointer:{pointer}/{index}]"
        block_errors = _validate_block(block)
        errors.extend(f"{message} {where}" for message in block_errors)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen_block_ids:
                errors.append(f"duplicate block_id {block_id!r} {where}")
            seen_block_ids.add(block_id)
    return errors


def _validate_block(block: Any) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return ["each block must be an object with a string type"]
    errors = _our_limits(block)
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"unsupported block type {block['type']!r}", *errors]
        parsed.to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        errors.append(str(exc) or type(exc).__name__)
    return errors


def _our_limits(block: dict[str, Any]) -> list[str]:
    """The Block Kit limits that slack_sdk leaves to the server (or coerces instead of rejecting)."""
    errors: list[str] = []
    kind = block["type"]
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID):
        errors.append(f"block_id must be a string of at most {MAX_BLOCK_ID} characters")
    if kind == "header":
        errors.extend(_text_object_errors(block.get("text"), "header text", MAX_HEADER_TEXT, plain_only=True))
    if kind == "section":
        if "text" in block:
            errors.extend(_text_object_errors(block["text"], "section text", MAX_SECTION_TEXT))
        fields = block.get("fields")
        if fields is not None and (not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS):
            errors.append(f"section fields must be a list of at most {MAX_SECTION_FIELDS} items")
    for button in _buttons(block):
        errors.extend(
            _text_object_errors(button.get("text"), "button text", MAX_BUTTON_TEXT, plain_only=True)
        )
    return errors


def _text_object_errors(text: Any, what: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(text, dict) or not isinstance(text.get("text"), str):
        return [f"{what} must be a text object with a string text"]
    errors = []
    if plain_only and text.get("type") != "plain_text":
        errors.append(f"{what} must be plain_text")
    if len(text["text"]) > limit:
        errors.append(f"{what} must be at most {limit} characters")
    return errors


def _buttons(node: Any) -> Iterator[dict[str, Any]]:
    """Every button element anywhere inside a block (actions elements, section accessory, ...)."""
    if isinstance(node, dict):
        if node.get("type") == "button":
            yield node
        for value in node.values():
            yield from _buttons(value)
    elif isinstance(node, list):
        for item in node:
            yield from _buttons(item)


def _options(node: Any) -> Iterator[dict[str, Any]]:
    """Every option object (static selects, checkboxes, radio buttons, initial options) inside a block."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("options", "initial_options") and isinstance(value, list):
                yield from (option for option in value if isinstance(option, dict))
            elif key == "initial_option" and isinstance(value, dict):
                yield value
            else:
                yield from _options(value)
    elif isinstance(node, list):
        for item in node:
            yield from _options(item)
