"""Answering one incoming DingTalk message: its session webhook first, a proactive send when that is gone.

- markdown with a title; the customer card as a markdown block, with `dtmd://` quick-action links in
  DMs only (in a group the message a link sends would not @ the robot, so it would never arrive);
- in groups the asker is `@`-mentioned (`at.atUserIds` plus `@staffId` in the text, which DingTalk shows as
  the name), and replies the core marked private lose the card's sensitive fields;
- every answer in a group takes one of the group's send slots first (the same count pushes use, shared by
  every replica), waiting for one to free when the group is busy;
- the session webhook lives about 90 minutes; when it has expired, or DingTalk rejects it, the reply
  goes through the OpenAPI instead (the robot's 1:1 or group send);
- with a card template configured (`adapters.dingtalk.interactive`), an answer that carries a card with
  buttons is an interactive card instance (in groups too: card buttons call back, unlike quick links);
- `share` posts the card into the group with the OpenAPI (which returns a message key) and records it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from adapters.dingtalk.incoming import InboundMessage
from adapters.dingtalk.interactive import GROUP_SPACE, ROBOT_SPACE, InteractiveCards, out_track_id
from adapters.dingtalk.markdown import RenderedMessage, render_pages
from adapters.dingtalk.openapi import DingTalkApiError, DingTalkHttp
from adapters.dingtalk.pacing import SendPacer, SharedSendPacer
from adapters.dingtalk.sender import MAX_MSG_PARAM_BYTES, PLATFORM, DingTalkSender
from bot.delivery import for_audience, share_post
from bot.dispatcher import Bot
from bot.errors import report_error
from bot.messages import Reply, Target
from bot.ports import DeliveryError

log = logging.getLogger("crmbot.dingtalk.replies")

# Treat a webhook this close to its expiry as expired: the post may take a moment to arrive.
EXPIRY_MARGIN_S = 30.0
# How long an answer in a flooded group may wait for a send slot (the group's window is a minute): a burst of
# 60 questions at 18 a minute is answered within about 3 minutes; past 5 the answer is given up (and logged).
MAX_SLOT_WAIT_S = 300.0


class Replier:
    """Delivers the core's replies to the person (or group) that asked."""

    def __init__(
        self,
        http: DingTalkHttp,
        sender: DingTalkSender,
        bot: Bot,
        *,
        wall_clock: Callable[[], float] = time.time,
        pacer: SendPacer | SharedSendPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cards: InteractiveCards | None = None,
    ) -> None:
        self.http = http
        self.sender = sender
        self.bot = bot
        # Answers in a group count against its send rate like pushes do (the sender's pacer by default).
        self.pacer = pacer or sender.pacer
        self._sleep = sleep
        # With a card template: answers that carry a card become interactive card instances.
        self.cards = cards
        # Real epoch time, not the core's clock: webhook expiry is stamped by DingTalk's servers.
        self._wall_clock = wall_clock

    def deliver(self, message: InboundMessage, replies: Iterable[Reply]) -> None:
        """Send every reply; failures are reported with a reference id, never raised into the worker."""
        for reply in replies:
            try:
                if reply.share_customer_id is not None and message.is_group:
                    self._share(message, reply)
                else:
                    self._answer(message, reply)
            except Exception as exc:
                report_error(exc, {"platform": PLATFORM, "user": message.sender_staff_id,
                                   "conversation": message.conversation_id, "text": message.incoming.text[:200]})

    # ---- answering ---------------------------------------------------------------------------------

    def _answer(self, message: InboundMessage, reply: Reply) -> None:
        reply = for_audience(reply, seen_by_others=message.is_group)
        if self.cards is not None and reply.card is not None and reply.card.actions:
            self._card(message, reply)
            return
        if not self._webhook_usable(message):
            log.info("session webhook of %s expired; answering through the OpenAPI", message.incoming.message_id)
            self._fallback(message, reply)
            return
        for part in render_pages(reply, quick_actions=not message.is_group, seen_by_others=message.is_group,
                                 max_bytes=MAX_MSG_PARAM_BYTES):
            if message.is_group:
                self._wait_for_slot(message.conversation_id)
            try:
                self.http.post_webhook(message.session_webhook or "", self._webhook_body(message, part))
            except DingTalkApiError as exc:
                if exc.maybe_delivered:
                    # The post may have arrived; a second copy through the OpenAPI would be a duplicate.
                    raise
                log.warning("session webhook rejected (%s); answering through the OpenAPI", exc)
                self._fallback(message, reply)
                return

    def _card(self, message: InboundMessage, reply: Reply) -> None:
        """The answer as an interactive card instance, in the group or the DM it was asked in."""
        assert self.cards is not None
        if message.is_group:
            self._wait_for_slot(message.conversation_id)
            space = (GROUP_SPACE, message.conversation_id)
        else:
            space = (ROBOT_SPACE, message.sender_staff_id)
        # Named after the message it answers (a fresh id for the rare message without one).
        track = out_track_id(message.incoming.workspace, message.conversation_id,
                             message.incoming.message_id or uuid.uuid4().hex, reply.card.title if reply.card else "")
        self.cards.deliver(track, reply, space_type=space[0], space_id=space[1],
                           at_user=message.sender_staff_id if message.is_group else None)

    def _wait_for_slot(self, conversation_id: str) -> None:
        """Take one of the group's send slots, waiting (up to `MAX_SLOT_WAIT_S`) for one to free."""
        waited = 0.0
        while (wait := self.pacer.reserve(conversation_id, 1)) > 0:
            if waited >= MAX_SLOT_WAIT_S:
                raise DeliveryError(f"DingTalk group {conversation_id} stayed at its send pace for {waited:.0f}s",
                                    retry_after=wait)
            step = min(wait, MAX_SLOT_WAIT_S - waited)
            self._sleep(step)
            waited += step

    def _webhook_usable(self, message: InboundMessage) -> bool:
        if not message.session_webhook:
            return False
        expires_ms = message.session_webhook_expires_ms
        return expires_ms is None or expires_ms / 1000 - EXPIRY_MARGIN_S > self._wall_clock()

    @staticmethod
    def _webhook_body(message: InboundMessage, part: RenderedMessage) -> dict[str, Any]:
        body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": part.title, "text": part.text}}
        if message.is_group:
            # DingTalk renders "@<staffId>" as the person's name when the id is in atUserIds.
            body["markdown"]["text"] = f"{part.text}\n\n@{message.sender_staff_id}"
            body["at"] = {"atUserIds": [message.sender_staff_id], "isAtAll": False}
        return body

    def _fallback(self, message: InboundMessage, reply: Reply) -> None:
        incoming = message.incoming
        if message.is_group:
            target = Target(PLATFORM, incoming.workspace, channel=message.conversation_id)
        else:
            target = Target(PLATFORM, incoming.workspace, user=message.sender_staff_id)
        try:
            self.sender.send(target, reply)
        except DeliveryError as exc:
            raise DeliveryError(f"could not answer {incoming.message_id} at all: {exc}",
                                permanent=exc.permanent, retry_after=exc.retry_after) from exc

    # ---- share -------------------------------------------------------------------------------------

    def _share(self, message: InboundMessage, reply: Reply) -> None:
        incoming = message.incoming
        target = Target(PLATFORM, incoming.workspace, channel=message.conversation_id)
        sent = self.sender.send(target, share_post(reply))
        if reply.share_customer_id is not None:
            self.bot.record_shared_card(customer_id=reply.share_customer_id, platform=PLATFORM,
                                        workspace=incoming.workspace, channel=message.conversation_id,
                                        message_id=sent.message_id, shared_by=incoming)
