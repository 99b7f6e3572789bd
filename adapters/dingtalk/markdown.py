"""Core replies → DingTalk markdown: text, the customer card, quick-action links, pages.

DingTalk markdown knows headings, `**bold**`, `*italic*`, links, lists, quotes, tables and `<font>` HTML, and
reads a backslash before punctuation as "this character, literally". So the conversion works like this:
- core markers become DingTalk ones (`_x_` → `*x*`; inline code loses its backticks, its content literal);
- what people typed shows exactly as typed: each character that could start formatting (`# [ ] _ * < > |`
  and the backslash) is escaped with one backslash, once — the core already escaped user text with
  `escape_md`, so those escapes are kept as they are, and the others it made (`` ` ``, `~`) are dropped
  because DingTalk gives those characters no meaning; `#` is escaped only where it could start a heading;
- no character is replaced by a look-alike and nothing invisible is added: an address reads
  `john_doe@acme.com`, copied text is the text. A customer called `@所有人` pings nobody because DingTalk
  mentions only the ids in `at.atUserIds` (we never set `isAtAll`);
- raw `<` / `>` in core markdown (no HTML comes from us) are escaped the same way, except a `> ` quote;
- line breaks become paragraph breaks, which DingTalk clients render consistently; list items stay together.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from adapters.dingtalk.platform import DINGTALK
from bot.delivery import fit
from bot.messages import Card, CardAction, Reply
from bot.render import escape_md, unescape_md
from bot.text.paging import cut_to

QUICK_LINK_BASE = "dtmd://dingtalkclient/sendMessage?content="
MAX_TITLE_CHARS = 40
# Characters DingTalk markdown could read as formatting: each is escaped once, with a backslash.
SPECIAL = frozenset("\\*_[]<>|#")
_ESCAPE = re.compile(r"\\(.)", re.S)
_CODE = re.compile(r"`([^`\n]*)`")
_ITALIC = re.compile(r"(?<![\w*])_(?=\S)(.+?)(?<=\S)_(?![\w*])")
_ANGLE = re.compile(r"[<>|]")
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s")
_EMPHASIS = re.compile(r"(?<!\\)\*\*|(?<![\\*])\*(?!\*)|(?<![\\\w])_|(?<![\\])_(?!\w)")


@dataclass(frozen=True)
class RenderedMessage:
    """A DingTalk markdown message: `title` shows in notifications and the chat list, `text` in the chat."""

    title: str
    text: str


def to_dingtalk(core_markdown: str) -> str:
    """Convert core markdown (user values escaped with `escape_md`) to DingTalk markdown showing them as typed."""
    held: list[str] = []

    def hold(text: str) -> str:
        # Private-use placeholders keep literal text away from the marker conversions below.
        held.append(text)
        return chr(0xE000 + len(held) - 1)

    text = _ESCAPE.sub(lambda m: hold(_literal(m.group(1), m.string, m.start())), core_markdown)
    # Inside code every character is literal; what the core escaped there already (a placeholder) stays so.
    text = _CODE.sub(lambda m: "".join(c if _PLACEHOLDER.match(c) else hold(_literal(c, m.string, m.start()))
                                       for c in m.group(1)), text)
    text = _ITALIC.sub(r"*\1*", text)
    text = _ANGLE.sub(_raw_angle, text)
    text = _PLACEHOLDER.sub(lambda m: held[ord(m.group(0)) - 0xE000], text)
    return _paragraphs(text)


def _literal(char: str, source: str, at: int) -> str:
    """One character meant literally: backslash-escaped when DingTalk could read it as formatting."""
    if char == "#" and source[:at].rpartition("\n")[2].strip():
        return char  # `#` makes a heading only at the start of a line; elsewhere (`#12`) it needs nothing
    return f"\\{char}" if char in SPECIAL else char


def _raw_angle(match: re.Match[str]) -> str:
    # `> ` at the start of a line is a core quote; any other angle bracket or bar would be HTML or a table.
    at_line_start = match.start() == 0 or match.string[match.start() - 1] == "\n"
    return ">" if match.group(0) == ">" and at_line_start else "\\" + match.group(0)


def plain_to_dingtalk(text: str) -> str:
    """Plain user text (a title, a name) as DingTalk markdown that renders literally."""
    return to_dingtalk(escape_md(text))


def _paragraphs(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if out and not (_LIST_ITEM.match(line) and _LIST_ITEM.match(out[-1])):
            out.append("")
        out.append(line)
    return "\n".join(out).strip("\n")


def plain_title(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """A one-line plain-text title from core markdown (notifications show it without formatting)."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = unescape_md(_EMPHASIS.sub("", first)).lstrip("#>-* ").strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def quick_link(action: CardAction) -> str:
    """A `dtmd://` link that makes the DingTalk client send the click back as the clicking user.

    The message it sends is the button's label followed by the action's encoded value (``完成 ⟦done?customer=12⟧``):
    the person sees what they clicked, the core reads only the value, so the click is the same in any language.
    """
    sent = f"{unescape_md(action.label)} {action.value}" if action.value else action.command.strip()
    label = to_dingtalk(action.label).replace("\n", " ")
    return f"[{label}]({QUICK_LINK_BASE}{quote(sent, safe='')})"


def render_card(card: Card, *, quick_actions: bool) -> str:
    """The customer card as a markdown block: title, key fields, sections, and (in DMs) quick-action links."""
    # The title is core markdown already (a customer's name escaped once by the core): converted, not escaped again.
    heading = f"{card.title} {escape_md(card.subtitle)}".strip()
    blocks = [f"### {to_dingtalk(heading)}"] if heading else []  # a bare row of buttons has no heading
    if card.fields:
        blocks.append("\n".join(f"- **{to_dingtalk(f.label)}**: {to_dingtalk(f.value)}" for f in card.fields))
    for title, body in card.sections:
        blocks.append(f"#### {to_dingtalk(title)}\n\n{to_dingtalk(body)}")
    if card.footer:
        blocks.append(to_dingtalk(card.footer))
    links = [quick_link(a) for a in card.actions] if quick_actions else []
    if links:
        blocks.append(" | ".join(links))
    return "\n\n".join(blocks)


def render_reply(reply: Reply, *, quick_actions: bool) -> RenderedMessage:
    """A core reply as one DingTalk markdown message (text first, then the card)."""
    parts = []
    if reply.text:
        parts.append(to_dingtalk(reply.text))
    if reply.card is not None:
        parts.append(render_card(reply.card, quick_actions=quick_actions))
    title = plain_title(reply.text) or (plain_title(escape_md(reply.card.title)) if reply.card else "")
    return RenderedMessage(title=title or "crmbot", text="\n\n".join(parts) or title or "crmbot")


def msg_param_bytes(title: str, text: str) -> int:
    """Size of the `sampleMarkdown` msgParam JSON string for this title and text, in UTF-8 bytes."""
    return len(json.dumps({"title": title, "text": text}, ensure_ascii=False).encode("utf-8"))


def measure(line: str) -> int:
    """How DingTalk counts a line of core markdown: its bytes in the JSON payload, plus the paragraph break
    the conversion may add after it."""
    return _json_bytes(line) + 2 * line.count("\n") + 2


def render_pages(reply: Reply, *, quick_actions: bool, seen_by_others: bool, max_bytes: int) -> list[RenderedMessage]:
    """A reply as the DingTalk messages the core pages it into (`bot.delivery.fit`), titled `title (i/n)`.

    The pages are within DingTalk's declared size; a page whose msgParam would still pass `max_bytes` (text
    that grows a lot in conversion) is cut there with `…` rather than refused by DingTalk.
    """
    pages = fit(reply, DINGTALK.capabilities, seen_by_others=seen_by_others, measure=measure)
    rendered = [render_reply(page, quick_actions=quick_actions) for page in pages]
    total = len(rendered)
    if total > 1:
        title = rendered[0].title
        rendered = [RenderedMessage(f"{title} ({n}/{total})", part.text) for n, part in enumerate(rendered, 1)]
    return [_within(part, max_bytes) for part in rendered]


def _within(message: RenderedMessage, max_bytes: int) -> RenderedMessage:
    if msg_param_bytes(message.title, message.text) <= max_bytes:
        return message
    budget = max_bytes - msg_param_bytes(message.title, "") - _json_bytes("\n…")
    return RenderedMessage(message.title, _cut(message.text, budget) + "\n…")


def _json_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def _cut(text: str, budget: int) -> str:
    return cut_to(text, budget, _json_bytes)
