"""Rules for how a reply may be shown, decided once in the core for every platform.

- Redaction: a card that people other than the asker will see (a channel or group post, a shared card)
  loses its sensitive fields (phone, e-mail, amounts): `for_audience`, `share_post`.
- Degrading: `fit` turns a reply into the messages a platform can show, from its declared
  `Capabilities`: a card becomes markdown where the platform has no blocks, its buttons become typed
  commands where it has none, and the text is paged to the platform's message size (at most
  `max_pages` messages, the last one saying that more was cut).
"""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Card, Reply
from bot.platforms import Capabilities
from bot.render import Markdown, t
from bot.text.paging import ELLIPSIS, pack_lines


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


def fit(reply: Reply, capabilities: Capabilities, *, seen_by_others: bool) -> list[Reply]:
    """The reply as the messages a platform with `capabilities` can show (see the module docstring)."""
    reply = for_audience(reply, seen_by_others=seen_by_others)
    if reply.card is not None and not capabilities.blocks:
        body = card_markdown(reply.card, buttons=capabilities.buttons)
        text = Markdown(f"{reply.text}\n\n{body}" if reply.text else body)
        keep = reply.card if capabilities.buttons else None  # the buttons still need the card's actions
        reply = replace(reply, text=text, card=replace(keep, fields=(), sections=()) if keep else None)
    limit = capabilities.max_message_chars
    if len(reply.text) <= limit:
        return [reply]
    pages = ["\n".join(page) for page in pack_lines(reply.text.split("\n"), limit)]
    if len(pages) > capabilities.max_pages:
        notice = t("reply_truncated", reply.lang)
        pages = pages[: capabilities.max_pages]
        room = limit - len(notice) - 1
        last = pages[-1] if len(pages[-1]) <= room else pages[-1][: room - len(ELLIPSIS)] + ELLIPSIS
        pages[-1] = f"{last}\n{notice}"
    return [replace(reply, text=Markdown(page), card=reply.card if n == len(pages) - 1 else None)
            for n, page in enumerate(pages)]
