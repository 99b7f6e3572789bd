"""Shared cards and their threads: the thread is where a team discusses and logs a customer.

Inbound: a human reply in a shared card's thread, from someone allowed to change the customer, is logged
as a follow-up by running ``log #<id> "<reply>"`` as that person (quoted, so the reply is the note word
for word) (the core dedupes it by the message's
channel and ts, so a redelivered event logs nothing twice); the bot confirms with a reaction. Replies by
anyone else are left alone — no answer, no log.

Outbound: the core publishes `FollowUpLogged` / `CustomerChanged` after its commit. Follow-ups logged
anywhere but the card's own thread are echoed into every Slack thread of that customer's shared cards, and
the card messages are redrawn in place (`chat.update`) as the person who shared them would see them with
sensitive parts left out. This runs on a single background worker so events stay in order and the
command that caused them is never slowed down by Slack.
"""

from __future__ import annotations

import logging

from adapters.slack.blocks import SlackMessage, text_blocks
from adapters.slack.incoming import PLATFORM, Profile, make_incoming, slack_to_text
from adapters.slack.jobs import Jobs
from adapters.slack.lookups import (
    author_name,
    may_change_customer,
    shared_card_at,
    shared_card_view,
    shared_cards_of,
    sharer_language,
)
from adapters.slack.modals import UnquotableValue, quote_value
from adapters.slack.mrkdwn import to_mrkdwn
from adapters.slack.sender import SlackSender
from adapters.slack.texts import say
from bot.dispatcher import Bot
from bot.events import CustomerChanged, Event, FollowUpLogged
from bot.messages import Reply, SentMessage, Target
from bot.ports import DeliveryError
from bot.render import Markdown, t
from storage.models import FollowUp, SharedCard
from storage.uow import unit_of_work

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
    ) -> bool:
        """Log a reply in a shared card's thread; False when the thread is not a shared card's."""
        card = shared_card_at(self.bot, team_id, channel, thread_ts)
        if card is None:
            return False
        said = slack_to_text(text).strip()
        if not said:
            return True
        incoming = make_incoming(
            team_id=team_id, channel=channel, user_id=user_id, text=f"log #{card.customer_id} {_literal(said)}",
            message_id=f"{channel}:{ts}", thread=thread_ts, is_direct=False, profile=profile,
        )
        if self.bot.already_processed(incoming) or not may_change_customer(self.bot, incoming, card.customer_id):
            return True
        replies = self.bot.handle(incoming)
        if not replies:  # a twin delivery got there first
            return True
        if all(reply.ok for reply in replies):
            self.sender.add_reaction(channel, ts, LOGGED_REACTION)
            return True
        # The author may change this customer but wrote something `log` refuses (a past date, …): tell them.
        for reply in replies:
            message = SlackMessage(to_mrkdwn(reply.text), text_blocks(reply.text))
            self.sender.post_ephemeral(channel, user_id, message, thread=thread_ts)
        return True

    # -- outbound: echo and redraw -----------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Core listener: queue the Slack side of a committed change."""
        if isinstance(event, FollowUpLogged):
            self.jobs.submit(self.echo_followup, event, context={"customer": event.customer_id})
        elif isinstance(event, CustomerChanged):
            self.jobs.submit(self.refresh_cards, event.customer_id, context={"customer": event.customer_id})

    def echo_followup(self, event: FollowUpLogged) -> None:
        """Post a follow-up into the threads of the customer's shared cards (not the one it came from)."""
        cards = [c for c in shared_cards_of(self.bot, event.customer_id) if not _came_from(event, c)]
        if not cards:
            return
        with unit_of_work(self.bot.engine, write=False) as session:
            followup = session.get(FollowUp, event.followup_id)
            kind = followup.kind if followup else "note"
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
        for card in shared_cards_of(self.bot, customer_id):
            view = shared_card_view(self.bot, card)
            if view is None:
                continue
            drawn, lang = view
            message = SentMessage(PLATFORM, card.workspace, card.channel, card.message_id)
            try:
                self.sender.update(message, Reply(card=drawn, private=False, lang=lang))
            except DeliveryError as exc:
                log.warning("could not update the shared card %s in %s: %s", card.message_id, card.channel, exc)


def _literal(text: str) -> str:
    """The reply as one quoted word, so its commas and ``key:`` look-alikes stay part of the note."""
    try:
        return quote_value(text)
    except UnquotableValue:
        return text


def _came_from(event: FollowUpLogged, card: SharedCard) -> bool:
    return (
        event.source_platform == PLATFORM
        and event.source_channel == card.channel
        and event.source_thread == card.message_id
    )
