"""Listeners for the message shortcut "Log to customer", its customer picker, and unfurls of crmbot card links.

- The shortcut (callback ``crm_log_message``, declared in the manifest) opens the *Log follow-up* modal at
  once (Slack's trigger lives 3 s), the note pre-filled with the message's text and a customer picker whose
  options Slack asks crmbot for as the person types (``block_suggestion``: the core's `find` search, as that
  person sees customers). The submission runs the ordinary ``log`` command as the submitter, and the
  follow-up records the message's permalink (``chat.getPermalink``).
- ``link_shared``: links of crmbot cards (``<http.public_url>/customers/<id>``) are unfurled
  (``chat.unfurl``) with the card as whoever posted the link sees it, redacted as every shared card is;
  a card they may not see is not unfurled.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.adapter import SlackAdapter
from adapters.slack.blocks import render_pages
from adapters.slack.incoming import PLATFORM, team_of
from adapters.slack.listeners.interactive import Submission, finish_submission, submission_id
from adapters.slack.modals import (
    CUSTOMER_PICKER,
    LOG_MESSAGE_CALLBACK,
    UnquotableValue,
    customer_options,
    error_text,
    log_command,
    log_form_errors,
    log_message_view,
    picked_customer,
    read_log_form,
    read_metadata,
)
from adapters.slack.texts import say
from bot import actions
from bot.conversation import customer_choices, local_today, user_language
from bot.delivery import share_post
from bot.messages import InboundKind
from bot.render import t

log = logging.getLogger("crmbot.slack.shortcuts")

CARD_PATH = re.compile(r"^/customers/(\d{1,12})/?$")


def card_link_id(url: str, public_url: str | None) -> int | None:
    """The customer id of a crmbot card link (``<public_url>/customers/<id>``), None for any other link."""
    if not public_url:
        return None
    link, home = urlsplit(url), urlsplit(public_url)
    if link.netloc.lower() != home.netloc.lower() or not link.path.startswith(home.path.rstrip("/") + "/"):
        return None
    match = CARD_PATH.match(link.path[len(home.path.rstrip("/")):])
    return int(match.group(1)) if match else None


def register(app: App, adapter: SlackAdapter) -> None:
    """Attach the shortcut, picker and unfurl listeners to ``app``."""

    @app.shortcut(LOG_MESSAGE_CALLBACK)
    def on_log_message(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = team_of(body), (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}
        lang = user_language(adapter.bot, PLATFORM, team_id, user_id)
        metadata = {"channel": channel, "message_ts": str(body.get("message_ts") or message.get("ts") or "")}
        view = log_message_view(text=str(message.get("text") or ""), lang=lang, metadata=metadata)
        try:
            adapter.sender.client_for(team_id).views_open(trigger_id=body.get("trigger_id", ""), view=view)
        except (SlackApiError, SlackClientError, OSError, LookupError) as exc:
            log.warning("views.open for the message shortcut failed for %s: %s", user_id, exc)

    @app.options(CUSTOMER_PICKER)
    def on_customer_search(ack: Ack, body: dict[str, Any]) -> None:
        team_id, user_id = team_of(body), (body.get("user") or {}).get("id", "")
        query = str(body.get("value") or "").strip()
        incoming = adapter.dm_incoming(team_id=team_id, user_id=user_id, text="", message_id=None,
                                       kind=InboundKind.FORM)
        ack(options=customer_options(customer_choices(adapter.bot, incoming, query)) if query else [])

    @app.view(LOG_MESSAGE_CALLBACK)
    def on_log_message_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = read_metadata(view)
        lang = str(metadata.get("lang") or "en")
        team_id, user_id = team_of(body), (body.get("user") or {}).get("id", "")
        ref = picked_customer(view)
        form = read_log_form(view)
        errors = log_form_errors(form, today=local_today(adapter.bot, PLATFORM, team_id, user_id), lang=lang)
        if not ref:
            errors["customer"] = error_text(say("customer_required", lang))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            command = log_command(ref, form)
        except UnquotableValue:
            ack(response_action="errors", errors={"note": error_text(t("unexpected_words", lang, words="\"「『"))})
            return
        channel, message_ts = str(metadata.get("channel") or ""), str(metadata.get("message_ts") or "")

        def run() -> Submission:
            incoming = adapter.incoming(team_id=team_id, channel=channel, user_id=user_id, text=command,
                                        message_id=submission_id(view, command), kind=InboundKind.SHORTCUT)
            incoming = replace(incoming, source_url=permalink(team_id, channel, message_ts))
            return Submission(incoming, adapter.bot.handle(incoming))

        finish_submission(adapter, ack, body, run, "note", lang)

    def permalink(team_id: str, channel: str, message_ts: str) -> str | None:
        if not (channel and message_ts):
            return None
        try:
            answer = adapter.sender.client_for(team_id).chat_getPermalink(channel=channel, message_ts=message_ts)
        except (SlackApiError, SlackClientError, OSError, LookupError) as exc:
            log.warning("chat.getPermalink failed for %s/%s: %s", channel, message_ts, exc)
            return None
        return str(answer.get("permalink") or "") or None

    @app.event("link_shared")
    def on_link_shared(event: dict[str, Any], body: dict[str, Any]) -> None:
        adapter.jobs.submit(unfurl, team_of(body) or body.get("team_id", ""), event,
                            context={"user": event.get("user"), "event": "link_shared"})

    def unfurl(team_id: str, event: dict[str, Any]) -> None:
        public_url = adapter.bot.settings.http.public_url
        user_id, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        unfurls: dict[str, Any] = {}
        for link in event.get("links") or []:
            url = str(link.get("url") or "")
            customer_id = card_link_id(url, public_url)
            if customer_id is None:
                continue
            incoming = adapter.incoming(team_id=team_id, channel=channel, user_id=user_id, kind=InboundKind.BUTTON,
                                        text=actions.ActionRef("details", (("customer", str(customer_id)),)).encode(),
                                        message_id=None)
            replies = [reply for reply in adapter.bot.handle(incoming) if reply.card is not None and reply.ok]
            if not replies:
                continue  # not visible to the person who posted it: nothing is shown
            card = share_post(replace(replies[0], text=""))
            page = render_pages(card, seen_by_others=True)[-1]
            unfurls[url] = {"blocks": page.blocks}
        if not unfurls:
            return
        where = ({"unfurl_id": event["unfurl_id"], "source": event["source"]}
                 if event.get("unfurl_id") and event.get("source") else
                 {"channel": channel, "ts": event.get("message_ts")})
        try:
            adapter.sender.client_for(team_id).chat_unfurl(unfurls=unfurls, **where)
        except (SlackApiError, SlackClientError, OSError, LookupError) as exc:
            log.warning("chat.unfurl failed in %s: %s", channel, exc)
