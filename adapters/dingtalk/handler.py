"""The chatbot topic handler: ACK at once, work off the event loop.

`ChatbotHandler.process` is `async` and runs on the stream's event loop; anything slow there delays every
other frame, pings included (a 3 s handler held pings for 3 s). So `process` only queues the payload
on the `KeyedWorkQueue` and returns 200; the SDK ACKs with `{"response": "OK"}`. It never raises, because a
raising handler makes 0.24.3 send no ACK at all and DingTalk redelivers.

`MessageProcessor` is the queued job: translate → `Bot.handle` (which records the group and dedupes on the
`msgId` in one unit of work, so a redelivered frame changes nothing and gets no second answer) → deliver the replies.
"""

from __future__ import annotations

import logging
from typing import Any

import dingtalk_stream
from dingtalk_stream import AckMessage

from adapters.dingtalk.incoming import PLATFORM, UnusableMessage, translate
from adapters.dingtalk.replies import Replier
from adapters.workers import KeyedWorkQueue, QueueClosedError
from bot.dispatcher import Bot
from bot.errors import report_error

log = logging.getLogger("crmbot.dingtalk.handler")


def ordering_key(payload: dict[str, Any]) -> tuple[str, str]:
    """What must run in order: one person's messages in one conversation.

    Keying on the conversation alone would let one slow command in a busy group hold up everybody else
    in it; keying on the person keeps each user's commands in the order they were typed.
    """
    return (str(payload.get("conversationId", "")), str(payload.get("senderStaffId", "")))


class MessageProcessor:
    """Runs one chat message through the core and answers it (called on a worker thread)."""

    def __init__(self, bot: Bot, replier: Replier) -> None:
        self.bot = bot
        self.replier = replier

    def __call__(self, payload: dict[str, Any]) -> None:
        """Process one chatbot payload; never raises (errors are reported with a reference id)."""
        try:
            message = translate(payload)
        except UnusableMessage as exc:
            log.info("ignoring DingTalk message %s: %s", payload.get("msgId"), exc)
            return
        try:
            replies = self.bot.handle(message.incoming)
            self.replier.deliver(message, replies)
        except Exception as exc:
            report_error(exc, {"platform": PLATFORM, "user": message.sender_staff_id,
                               "message": message.incoming.message_id})


class EnqueueingChatbotHandler(dingtalk_stream.ChatbotHandler):
    """Subscribed to `/v1.0/im/bot/messages/get`: queues each message and ACKs immediately."""

    def __init__(self, processor: MessageProcessor, queue: KeyedWorkQueue) -> None:
        super().__init__()
        self.processor = processor
        self.queue = queue

    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, str]:
        """Queue the message; 200 at once, 500 while shutting down (so DingTalk may redeliver elsewhere)."""
        try:
            payload = callback.data
            if not isinstance(payload, dict):
                log.warning("DingTalk chatbot frame without a JSON object: %r", type(payload).__name__)
                return AckMessage.STATUS_BAD_REQUEST, "payload is not a JSON object"
            self.queue.submit(ordering_key(payload), lambda: self.processor(payload))
        except QueueClosedError:
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "shutting down"
        except Exception as exc:
            report_error(exc, {"platform": PLATFORM, "stage": "enqueue"})
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "error"
        return AckMessage.STATUS_OK, "OK"
