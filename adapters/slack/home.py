"""The App Home tab: "my day" for the person who opened it, with buttons.

The day itself is the core's `today` answer run as that person (so its wording, language, time zone and
access rules are the core's), drawn with the same Block Kit builders as chat answers. Below it, every
customer on the agenda (`bot.services.agenda`) gets a row with a menu — done, snooze, log a follow-up,
details — whose options are declared actions (`bot.actions`), run as the person who picks them. Cut to 100 blocks.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.slack.blocks import (
    ACTION_PREFIX,
    context,
    limit_view_blocks,
    mrkdwn_object,
    plain_object,
    reply_blocks,
)
from adapters.slack.mrkdwn import to_mrkdwn, to_plain
from adapters.slack.texts import say
from bot import actions
from bot.dispatcher import Bot
from bot.messages import Incoming, Reply
from bot.render import escape_md
from bot.services.agenda import Agenda

TODAY_COMMAND = {"en": "today", "zh": "今天"}
HOME_NEW_ACTION = f"{ACTION_PREFIX}home_new"
HOME_HELP_ACTION = f"{ACTION_PREFIX}home_help"
HOME_ITEM_ACTION = f"{ACTION_PREFIX}home_item"
MAX_ITEM_ROWS = 40


def todays_replies(bot: Bot, incoming: Incoming, lang: str) -> list[Reply]:
    """The core's answer to `today` for the person behind ``incoming`` (not deduplicated)."""
    return bot.handle(replace(incoming, text=TODAY_COMMAND.get(lang, "today"), message_id=None))


def agenda_customers(agenda: Agenda) -> list[tuple[int, str]]:
    """(id, name) of each customer on the agenda, most pressing first, each once."""
    seen: dict[int, str] = {}
    groups = (
        [(s.customer_id, s.customer_name) for s in agenda.steps.items],
        [(r.customer_id, r.customer_name or "") for r in agenda.reminders.items if r.customer_id],
        [(p.customer_id, p.customer_name) for p in agenda.payments.items],
        [(k.customer_id, k.customer_name) for k in agenda.tickets.items],
        [(c.customer_id, c.customer_name) for c in agenda.at_risk],
        [(b.customer_id, b.customer_name) for b in agenda.birthdays],
    )
    for group in groups:
        for customer_id, name in group:
            seen.setdefault(customer_id, name)
    return list(seen.items())


def _item_row(customer_id: int, name: str, lang: str) -> dict[str, Any]:
    ref = f"#{customer_id}"
    menu = [actions.button(lang, action, customer=customer_id) for action in ("done", "snooze", "log", "details")]
    options = [{"text": plain_object(to_plain(item.label), 75), "value": item.value} for item in menu]
    return {
        "type": "section",
        "text": mrkdwn_object(to_mrkdwn(f"**{escape_md(name)}** {ref}")),
        "accessory": {"type": "overflow", "action_id": HOME_ITEM_ACTION, "options": options},
    }


def home_view(replies: list[Reply], agenda: Agenda | None, lang: str) -> dict[str, Any]:
    """The Home tab view: title, quick buttons, the day, then a menu per customer on it."""
    buttons = [
        {"type": "button", "action_id": HOME_NEW_ACTION, "value": actions.ref("new").encode(), "style": "primary",
         "text": plain_object(to_plain(say("home_new", lang)), 75)},
        {"type": "button", "action_id": HOME_HELP_ACTION, "value": actions.ref("help").encode(),
         "text": plain_object(to_plain(say("home_help", lang)), 75)},
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain_object(to_plain(say("home_title", lang)), 150)},
        {"type": "actions", "elements": buttons},
        {"type": "divider"},
    ]
    for reply in replies:
        blocks.extend(reply_blocks(reply))
    rows = agenda_customers(agenda) if agenda is not None else []
    if rows:
        blocks.append({"type": "divider"})
        blocks.extend(_item_row(customer_id, name, lang) for customer_id, name in rows[:MAX_ITEM_ROWS])
    blocks.append(context(to_mrkdwn(say("home_hint", lang))))
    notice = to_mrkdwn(say("more_truncated", lang))
    return {"type": "home", "blocks": limit_view_blocks(blocks, notice)}
