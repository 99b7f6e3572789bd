"""Shared cards and their threads: the thread is where a team discusses and logs a customer.

Inbound: a human reply in a thread goes to the core as a `THREAD_REPLY` (see `bot.threads`), deduplicated
by the message's channel and ts, so a redelivered event logs nothing twice. When the core logged it, its
replies are `quiet` and the bot confirms with a reaction; what it refused is shown to the author only.

Outbound: the core publishes `FollowUpLogged` / `CustomerChanged` after its commit. Follow-ups logged
anywhere but the card's own thread are echoed into every Slack thread of that customer's shared cards, and
the card messages are redrawn in place (`chat.update`) as the person who shared them would see them with
sensitive parts left out. This runs on a single background worker so events stay in order and the
command that caused them is never slowed down by Slack.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from adapters.slack.blocks import SlackMessage, text_blocks
from adapters.slack.incoming import PLATFORM, Profile, make_incoming, slack_to_text
from adapters.slack.mrkdwn import to_mrkdwn
from adapters.slack.sender import SlackSender
from adapters.slack.texts import say
from adapters.workers import Jobs
from bot.conversation import (
    SharedCardRef,
    author_name,
    followup_kind,
    live_shared_cards_of,
    redraw_shared_cards,
    sharer_language,
)
from bot.dispatcher import Bot
from bot.events import CustomerChanged, Event, FollowUpLogged
from bot.messages import InboundKind, Reply, Target
from bot.ports import DeliveryError
from bot.render import Markdown, t

log = logging.getLogger("crmbot.slack.threads")

LOGGED_REACTION = "memo"


class SharedCardThreads:
    """Keeps shared cards and their threads in step with the CRM, in both directions."""

    def __init__(self, bot: Bot, sender: SlackSender, jobs: Jobs) -> None:
        self.bot = bot
        self.sender = sender
        self.jobs = jobs

    def attach(self) -> None:
        """Subscribe to the core's domain events (call once per bot)."""
        self.bot.add_listener(self.on_event)

    # -- inbound: replies in a card's thread -----------------------------------------------------------------

    def on_thread_reply(
        self, *, team_id: str, channel: str, thread_ts: str, ts: str, user_id: str, text: str, profile: Profile
    ) -> None:
        """Hand a thread reply to the core; confirm what it logged with a reaction, show what it refused."""
        incoming = make_incoming(
            team_id=team_id, channel=channel, user_id=user_id, text=slack_to_text(text), message_id=f"{channel}:{ts}",
            thread=thread_ts, is_direct=False, profile=profile,
        )
        replies = self.bot.handle(replace(incoming, kind=InboundKind.THREAD_REPLY))
        if replies and all(reply.quiet for reply in replies):
            self.sender.add_reaction(channel, ts, LOGGED_REACTION, workspace=team_id)
            return
        # The author may change this customer but wrote something `log` refuses (a past date, …): tell them.
        for reply in replies:
            message = SlackMessage(to_mrkdwn(reply.text), text_blocks(reply.text))
            self.sender.post_ephemeral(channel, user_id, message, thread=thread_ts, workspace=team_id)

    # -- outbound: echo and redraw -----------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Core listener: queue the Slack side of a committed change."""
        if isinstance(event, FollowUpLogged):
            self.jobs.submit(self.echo_followup, event, context={"customer": event.customer_id})
        elif isinstance(event, CustomerChanged):
            self.jobs.submit(self.refresh_cards, event.customer_id, context={"customer": event.customer_id})

    def echo_followup(self, event: FollowUpLogged) -> None:
        """Post a follow-up into the threads of the customer's shared cards (not the one it came from)."""
        # Only cards that still show the customer: not in channels of a team it has left, not once deleted.
        cards = [c for c in live_shared_cards_of(self.bot, PLATFORM, event.customer_id) if not _came_from(event, c)]
        if not cards:
            return
        kind = followup_kind(self.bot, event.followup_id)
        author = author_name(self.bot, event.author_id)
        for card in cards:
            lang = sharer_language(self.bot, card)
            text = say("thread_echo", lang, author=author, kind=Markdown(t("kind_name", lang, kind=kind)),
                       text=event.text)
            target = Target(PLATFORM, card.workspace, channel=card.channel, thread=card.message_id)
            try:
                self.sender.send(target, Reply(text=text, private=False, lang=lang))
            except DeliveryError as exc:
                log.warning("could not echo follow-up %s into %s: %s", event.followup_id, card.channel, exc)

    def refresh_cards(self, customer_id: int) -> None:
        """Redraw every shared card of the customer in place."""
        redraw_shared_cards(self.bot, self.sender, customer_id)


def _came_from(event: FollowUpLogged, card: SharedCardRef) -> bool:
    return (
        event.source_platform == PLATFORM
        and event.source_channel == card.channel
        and event.source_thread == card.message_id
    )
