"""Shared cards on DingTalk once their customer is deleted, restored or moved to another team.

A robot's markdown message cannot be edited in place, so when the core says a customer was deleted or
moved (``CustomerChanged.why``), each group that holds one of its cards gets the card as the core now
draws it (``bot.shared_cards``: that it was deleted or moved, no buttons); a restored customer's card is
posted again in full. What a card may show is the core's decision; this module only posts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from adapters.dingtalk.incoming import PLATFORM
from bot.conversation import shared_card_view, shared_cards_of
from bot.dispatcher import Bot
from bot.events import CustomerChanged, Event
from bot.messages import Reply, Target
from bot.ports import DeliveryError, Sender

log = logging.getLogger("crmbot.dingtalk.cards")

REDRAWN_ON = frozenset(("deleted", "restored", "moved"))


class SharedCardNotices:
    """Posts a customer's DingTalk shared cards anew when the core retires or revives them."""

    def __init__(self, bot: Bot, sender: Sender, submit: Callable[[Callable[[], None]], None] | None = None) -> None:
        self.bot = bot
        self.sender = sender
        # Where the posting runs (the service's work queue once it runs): never on the command's own thread.
        self.submit = submit or (lambda job: job())

    def attach(self) -> None:
        """Subscribe to the core's domain events (call once per bot)."""
        self.bot.add_listener(self.on_event)

    def on_event(self, event: Event) -> None:
        """Core listener: repost the cards of a customer that was deleted, restored or moved."""
        if isinstance(event, CustomerChanged) and event.why in REDRAWN_ON:
            self.submit(lambda: self.repost(event.customer_id))

    def repost(self, customer_id: int) -> None:
        """Post each group's card of the customer as the core draws it now."""
        for card in shared_cards_of(self.bot, PLATFORM, customer_id):
            view = shared_card_view(self.bot, card)
            if view is None:
                continue
            drawn, lang = view
            try:
                self.sender.send(Target(PLATFORM, card.workspace, channel=card.channel),
                                 Reply(card=drawn, private=False, lang=lang))
            except DeliveryError as exc:
                log.warning("could not repost the shared card of customer %s in %s: %s", customer_id, card.channel, exc)
