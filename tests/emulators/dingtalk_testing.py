"""A real `dingtalk_stream` SDK client wired with recording handlers, for the DingTalk emulator tests.

`connect_bot` subscribes the SDK to every event, chat messages and card callbacks, runs it against the
emulator and hands back the handlers so a test can see what the SDK delivered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dingtalk_stream
from dingtalk_stream import AckMessage, CallbackHandler, ChatbotMessage, EventHandler
from dingtalk_stream.card_callback import CardCallbackMessage

from tests.emulators.dingtalk import DingTalkEmulator
from tests.emulators.dingtalk_sdk import StreamRunner, run_sdk_client

CARD_UPDATE = {
    "cardUpdateOptions": {"updateCardDataByKey": True, "updatePrivateDataByKey": True},
    "cardData": {"cardParamMap": {"status": "已记录"}},
}


class EchoChatbot(dingtalk_stream.ChatbotHandler):
    """Answers every message through its sessionWebhook with a text and a markdown reply."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[ChatbotMessage] = []
        self.crash_first = 0

    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, str]:
        message = ChatbotMessage.from_dict(callback.data)
        self.received.append(message)
        if len(self.received) <= self.crash_first:
            raise RuntimeError("handler crashed before ACK")  # 0.24.3 then sends no ACK at all
        if message.message_type == "text":
            command = message.text.content.strip()
            self.reply_text(f"收到:{command}", message)
            self.reply_markdown("客户卡片", f"### {command}", message)
        return AckMessage.STATUS_OK, "OK"


class CardButtons(CallbackHandler):
    """Parses card clicks and answers with an in-place card update."""

    def __init__(self) -> None:
        super().__init__()
        self.clicks: list[CardCallbackMessage] = []

    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, dict[str, Any]]:
        self.clicks.append(CardCallbackMessage.from_dict(callback.data))
        return AckMessage.STATUS_OK, CARD_UPDATE


class Events(EventHandler):
    """Records every EVENT push."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dingtalk_stream.EventMessage] = []

    async def process(self, event: dingtalk_stream.EventMessage) -> tuple[int, str]:
        self.events.append(event)
        return AckMessage.STATUS_OK, "OK"


@dataclass
class ConnectedBot:
    """What `connect_bot` hands back: the emulator, the running SDK client and its recording handlers."""

    emulator: DingTalkEmulator
    client: dingtalk_stream.DingTalkStreamClient
    runner: StreamRunner
    chat: EchoChatbot
    cards: CardButtons
    events: Events


@contextlib.contextmanager
def connect_bot(emu: DingTalkEmulator) -> Iterator[ConnectedBot]:
    """Connect a real SDK client with recording handlers to `emu`; stop it when the block ends."""
    cfg = emu.config
    client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(cfg.client_id, cfg.client_secret))
    chat, cards, events = EchoChatbot(), CardButtons(), Events()
    client.register_all_event_handler(events)
    client.register_callback_handler(ChatbotMessage.TOPIC, chat)
    client.register_callback_handler(CallbackHandler.TOPIC_CARD_CALLBACK, cards)
    already = len(emu.connections)
    with run_sdk_client(client) as runner:
        emu.wait_for_total_connections(already + 1)
        yield ConnectedBot(emu, client, runner, chat, cards, events)
