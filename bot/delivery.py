"""Rules for how a reply may be shown, decided once in the core for every platform.

- Redaction: a card that people other than the asker will see (a channel or group post, a shared card)
  loses its sensitive fields (phone, e-mail, amounts): `for_audience`, `share_post`.
- Degrading and paging: `fit` turns a reply into the messages a platform can show, from its declared
  `Capabilities`: a card becomes markdown where the platform has no blocks, its buttons become typed
  commands where it has none; a card too large for one message has its sections shortened (ending in
  ``…``); the text is paged with the one splitter to the platform's message size, the card riding on the
  last page (or on a page of its own when both do not fit together); past `max_pages` messages the last one
  says that more was left out. Adapters render each page as it is: nothing they send is over a limit.
"""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Card, Reply
from bot.platforms import Capabilities
from bot.render import Markdown, t
from bot.text.paging import ELLIPSIS, Measure, cut_to, pack_lines

# What a platform adds around each piece of a card it draws (bold markers, a line break, a bullet): counted
# per field, section and button so that the drawn card stays within the message size.
PIECE_OVERHEAD = 6
# Where a card's sections are squeezed, each keeps at least this much (a heading alone says little).
MIN_SECTION_ROOM = 80
# A card leaves this much of its message free: a line of answer text, or the notice that more was left out.
CARD_RESERVE = 400


def for_audience(reply: Reply, *, seen_by_others: bool) -> Reply:
    """The reply as it may be shown: seen by others than the asker, its card loses the sensitive fields."""
    if seen_by_others and reply.card is not None:
        return replace(reply, card=reply.card.redacted())
    return reply


def share_post(reply: Reply) -> Reply:
    """What `share` posts into the conversation: public, the card without its sensitive fields."""
    return replace(for_audience(reply, seen_by_others=True), private=False)


def card_markdown(card: Card, *, buttons: bool = False) -> Markdown:
    """A card as core markdown; without `buttons`, its actions are listed as the commands they would run."""
    lines = [f"**{card.title}** {card.subtitle}".rstrip()]
    lines += [f"- {field.label}: {field.value}" for field in card.fields]
    for heading, body in card.sections:
        lines.append(f"**{heading}**")
        lines += body.splitlines()
    if card.footer:
        lines.append(f"_{card.footer}_")
    if card.actions and not buttons:
        lines.append(" · ".join(f"{action.label}: `{action.command.strip()}`" for action in card.actions))
    return Markdown("\n".join(lines))


def card_size(card: Card, measure: Measure = len) -> int:
    """How much of a message `card` takes once drawn (its texts plus each piece's markup)."""
    pieces = [card.title, card.subtitle, card.footer]
    pieces += [f"{field.label}{field.value}" for field in card.fields]
    pieces += [f"{heading}{body}" for heading, body in card.sections]
    pieces += [action.label for action in card.actions]
    return sum(measure(piece) + PIECE_OVERHEAD for piece in pieces)


def shorten(text: str, budget: int, measure: Measure = len) -> str:
    """`text` cut to `budget` at a line break (or inside a line too long on its own), ending with ``…``."""
    if measure(text) <= budget:
        return text
    room = budget - measure(ELLIPSIS) - measure("\n")
    if room <= 0:
        return ELLIPSIS
    kept = pack_lines(text.split("\n"), room, measure=measure, overlong=lambda line, limit: [cut_to(line, limit, measure)])
    first = "\n".join(kept[0]).rstrip()
    return f"{first}\n{ELLIPSIS}" if first else ELLIPSIS


def bound_card(card: Card, capabilities: Capabilities, measure: Measure = len) -> Card:
    """The card within one message: sections shortened, in order, to what the message size leaves them.

    Each section also stays within one text block (a block platform draws a section as one block).
    """
    sections = card.sections
    if not sections:
        return card
    block = capabilities.block_chars
    fixed = card_size(replace(card, sections=()), measure)
    room = capabilities.message_size - CARD_RESERVE - fixed
    if card_size(card, measure) - fixed <= room and all(
        measure(heading) + measure(body) + PIECE_OVERHEAD <= block for heading, body in sections
    ):
        return card
    shortened = []
    for index, (heading, body) in enumerate(sections):
        # The sections still to come keep a minimum of their own.
        later = (len(sections) - index - 1) * (MIN_SECTION_ROOM + PIECE_OVERHEAD)
        allowed = min(block, max(room - later, MIN_SECTION_ROOM)) - measure(heading) - PIECE_OVERHEAD
        body = shorten(body, max(allowed, measure(ELLIPSIS)), measure)
        shortened.append((heading, body))
        room -= measure(heading) + measure(body) + PIECE_OVERHEAD
    return replace(card, sections=tuple(shortened))


def fit(reply: Reply, capabilities: Capabilities, *, seen_by_others: bool, measure: Measure = len) -> list[Reply]:
    """The reply as the messages a platform with `capabilities` can show (see the module docstring).

    `measure` is how the platform counts a line of core markdown once rendered (Slack: its mrkdwn's
    characters); it must be additive, like `len`.
    """
    reply = for_audience(reply, seen_by_others=seen_by_others)
    if reply.card is not None and not capabilities.blocks:
        body = card_markdown(reply.card, buttons=capabilities.buttons)
        text = Markdown(f"{reply.text}\n\n{body}" if reply.text else body)
        keep = reply.card if capabilities.buttons else None  # the buttons still need the card's actions
        reply = replace(reply, text=text, card=replace(keep, fields=(), sections=()) if keep else None)
    limit = capabilities.message_size
    card = bound_card(reply.card, capabilities, measure) if reply.card is not None else None
    drawn = card_size(card, measure) if card is not None else 0
    if measure(reply.text) + drawn <= limit:
        return [replace(reply, card=card)]
    pages = ["\n".join(page) for page in pack_lines(reply.text.split("\n"), limit, measure=measure)]
    if card is not None and measure(pages[-1]) + drawn > limit:
        pages.append("")  # the card on a page of its own
    if len(pages) > capabilities.max_pages:
        notice = t("reply_truncated", reply.lang)
        pages = pages[: capabilities.max_pages]
        room = limit - measure(notice) - measure("\n") - (drawn if card is not None else 0)
        pages[-1] = f"{shorten(pages[-1], max(room, 0), measure)}\n{notice}".lstrip("\n")
    last = len(pages) - 1
    return [replace(reply, text=Markdown(page), card=card if n == last else None) for n, page in enumerate(pages)]
