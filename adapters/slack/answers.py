"""Answering the person who asked: where each core `Reply` goes in Slack, and posting shared cards.

- Answers are *ephemeral* (only the asker sees them) — always when they carry a card or the core marked
  them private — through the request's ``response_url`` when it has one (slash commands, buttons).
- Without one: in a DM with the bot, answers are ordinary messages in that DM; elsewhere private answers
  use `chat.postEphemeral` and a non-private text answer to a mention goes into the mention's thread.
- A reply with ``share_customer_id`` is the `share` command: its (redacted) card is posted publicly with
  `chat.postMessage` and remembered with `Bot.record_shared_card`, so its thread becomes the customer's
  discussion. If the bot is not in the channel the asker is told to invite it.
- ``response_url`` works 5 times; past that, or when it fails, answers fall back to the Web API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.slack.blocks import SlackMessage, render_pages, text_blocks
from adapters.slack.mrkdwn import to_mrkdwn
from adapters.slack.sender import SlackDeliveryError, SlackSender
from adapters.slack.texts import say
from bot.delivery import share_post
from bot.dispatcher import Bot
from bot.messages import Incoming, Reply

log = logging.getLogger("crmbot.slack.answers")

RESPONSE_URL_USES = 5
INVITE_ERRORS = frozenset({"not_in_channel", "channel_not_found"})


#: Bolt's ``respond`` (posts to the request's response_url).
Respond = Callable[..., Any]


@dataclass
class Asker:
    """Who asked, where, and the ways back to them."""

    incoming: Incoming
    respond: Respond | None = None
    thread: str | None = None  # answers to a mention go into its thread
    responses_used: int = field(default=0)
    replace_original: bool = False  # the first answer replaces the clicked message (a private card redrawn)

    @property
    def in_dm(self) -> bool:
        return self.incoming.is_direct


class ReplyDelivery:
    """Delivers core replies to an `Asker` (see the module docstring for the rules)."""

    def __init__(self, bot: Bot, sender: SlackSender, *, bot_name: str) -> None:
        self.bot = bot
        self.sender = sender
        self.bot_name = bot_name

    def deliver(self, asker: Asker, replies: list[Reply]) -> None:
        """Send every reply to where it belongs; delivery problems are logged, never raised to Slack."""
        for reply in replies:
            if reply.share_customer_id is not None:
                self._share(asker, reply)
                continue
            public = not reply.private and reply.card is None
            for page in render_pages(reply, seen_by_others=public):
                self.answer(asker, page, public=public)

    def answer_text(self, asker: Asker, markdown: str) -> None:
        """A private answer made of core markdown (the adapter's own notices)."""
        self.answer(asker, SlackMessage(to_mrkdwn(markdown), text_blocks(markdown)), public=False)

    def answer(self, asker: Asker, message: SlackMessage, *, public: bool) -> None:
        """One message to the asker: DM post, response_url, or ephemeral / thread post."""
        incoming = asker.incoming
        try:
            # response_url first: it works in any conversation, even a DM between two people the bot
            # is not part of (slash commands can be typed there).
            if asker.respond is not None and asker.responses_used < RESPONSE_URL_USES and self._respond(
                asker, message, public
            ):
                return
            if asker.in_dm or public:
                self.sender.post(incoming.workspace, incoming.channel, message, thread=asker.thread)
            else:
                self.sender.post_ephemeral(incoming.channel, incoming.user_id, message, thread=asker.thread,
                                           workspace=incoming.workspace)
        except SlackDeliveryError as exc:
            log.warning("could not answer %s in %s (%s); trying their DM", incoming.user_id, incoming.channel, exc)
            self._answer_in_dm(asker, message)

    def _respond(self, asker: Asker, message: SlackMessage, public: bool) -> bool:
        assert asker.respond is not None
        asker.responses_used += 1
        replacing, asker.replace_original = asker.replace_original, False
        try:
            result = asker.respond(
                response_type="in_channel" if public else "ephemeral",
                replace_original=replacing,
                **message.as_kwargs(),
            )
        except OSError as exc:
            log.warning("response_url failed: %s", exc)
            return False
        status = getattr(result, "status_code", 200)
        if status != 200:
            log.warning("response_url answered %s: %s", status, getattr(result, "body", ""))
            return False
        return True

    def _answer_in_dm(self, asker: Asker, message: SlackMessage) -> None:
        incoming = asker.incoming
        try:
            channel = self.sender.dm_channel(incoming.workspace, incoming.user_id)
            self.sender.post(incoming.workspace, channel, message)
        except SlackDeliveryError as exc:
            log.error("could not reach %s at all: %s", incoming.user_id, exc)

    def _share(self, asker: Asker, reply: Reply) -> None:
        incoming = asker.incoming
        try:
            # The card rides on the last page; that message is the shared card.
            for page in render_pages(share_post(reply), seen_by_others=True):
                posted = self.sender.post(incoming.workspace, incoming.channel, page)
        except SlackDeliveryError as exc:
            if exc.code in INVITE_ERRORS:
                notice = say("invite_bot", reply.lang, bot=self.bot_name)
            elif exc.code == "is_archived":
                notice = say("channel_archived", reply.lang)
            else:
                notice = say("share_failed", reply.lang, error=exc.code)
            self.answer_text(asker, notice)
            return
        assert reply.share_customer_id is not None  # `deliver` only shares replies that name a customer
        self.bot.record_shared_card(
            customer_id=reply.share_customer_id,
            platform=posted.platform,
            workspace=posted.workspace,
            channel=posted.channel,
            message_id=posted.message_id,
            shared_by=incoming,
        )
