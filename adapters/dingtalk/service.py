"""`DingTalkService`: what `crmbot run` starts when `DINGTALK_CLIENT_ID` and `DINGTALK_CLIENT_SECRET` are set.

Building it registers the `DingTalkSender` with the runtime (the scheduler pushes through it); `start()`
points the SDK at the configured OpenAPI endpoint, subscribes the chatbot topic and opens the stream on its
own thread; `stop()` ends the stream and the workers within about 2 seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.bootstrap import Runtime
from adapters.dingtalk.cards import SharedCardNotices
from adapters.dingtalk.conversations import GroupDirectory
from adapters.dingtalk.handler import EnqueueingChatbotHandler, MessageProcessor
from adapters.dingtalk.interactive import (
    CARD_CALLBACK_TOPIC,
    CardCallbackHandler,
    CardClickProcessor,
    InteractiveCards,
)
from adapters.dingtalk.openapi import DingTalkHttp, Timeouts
from adapters.dingtalk.pacing import SharedSendPacer
from adapters.dingtalk.replies import Replier
from adapters.dingtalk.runner import StreamOptions, StreamRunner
from adapters.dingtalk.sdk import build_stream_client, point_sdk_at, sdk_supports_frame_observation
from adapters.dingtalk.sender import DingTalkSender
from adapters.dingtalk.settings import DingTalkSettings, dingtalk_settings
from adapters.workers import KeyedWorkQueue

log = logging.getLogger("crmbot.dingtalk")

CHATBOT_TOPIC = "/v1.0/im/bot/messages/get"
STOP_BUDGET_S = 2.0


@dataclass(frozen=True)
class DingTalkOptions:
    """Tunables of the DingTalk adapter (defaults for production)."""

    stream: StreamOptions = field(default_factory=StreamOptions)
    workers: int = 8
    timeouts: Timeouts = field(default_factory=Timeouts)
    group_messages_per_minute: int = 18
    # Of the 2 s stop budget, what running jobs get to finish after the stream is down.
    drain_seconds: float = 1.0
    # How an answer waits for its group's next send slot (tests pass one that moves their clock instead).
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, config: DingTalkSettings) -> DingTalkOptions:
        """Production options with the tunables the config file sets."""
        return cls(
            stream=StreamOptions(silence_timeout=config.silence_timeout_s),
            workers=config.workers,
            group_messages_per_minute=config.group_messages_per_minute,
        )


class DingTalkService:
    """The DingTalk platform listener (Stream mode) plus the push sender it registers."""

    name = "dingtalk"
    is_platform = True

    def __init__(self, runtime: Runtime, *, options: DingTalkOptions | None = None) -> None:
        config = dingtalk_settings(runtime.settings)
        if not (config.client_id and config.client_secret):
            raise ValueError("DingTalk needs DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET")
        self.runtime = runtime
        self.options = options or DingTalkOptions.from_settings(config)
        self.client_id = config.client_id
        self._client_secret = config.client_secret
        self.endpoint = config.openapi_endpoint
        self.http = DingTalkHttp(endpoint=self.endpoint, client_id=config.client_id,
                                 client_secret=config.client_secret, timeouts=self.options.timeouts)
        # One count per group for every send (answers, pushes, shared cards) and every replica: in the database.
        pacer = SharedSendPacer(runtime.bot, self.options.group_messages_per_minute)
        self.sender = DingTalkSender(self.http, robot_code=config.client_id, pacer=pacer)
        runtime.add_sender(self.sender)
        self.groups = GroupDirectory(runtime.bot)
        self.cards_api = (InteractiveCards(self.http, template_id=config.card_template_id, robot_code=config.client_id)
                          if config.card_template_id else None)
        self.replier = Replier(self.http, self.sender, runtime.bot, pacer=pacer, sleep=self.options.sleep,
                               cards=self.cards_api)
        self.queue: KeyedWorkQueue | None = None
        self.cards = SharedCardNotices(runtime.bot, self.sender, submit=self._in_background)
        self.cards.attach()
        self.runner: StreamRunner | None = None

    def _in_background(self, job: Callable[[], None]) -> None:
        # Card reposts share one queue key, so they stay in order; before start they run inline.
        if self.queue is None:
            job()
        else:
            self.queue.submit("shared-cards", job)

    def start(self) -> None:
        """Open the stream connection on its own thread and return."""
        if self.runner is not None:
            raise RuntimeError("DingTalkService starts once")
        point_sdk_at(self.endpoint)
        self.queue = KeyedWorkQueue(self.options.workers, name="dingtalk-work")
        handler = EnqueueingChatbotHandler(MessageProcessor(self.runtime.bot, self.replier), self.queue)
        stream_options = self.options.stream
        if stream_options.watchdog and not sdk_supports_frame_observation():
            log.warning("this dingtalk_stream version hides incoming frames; the silence watchdog is off")
            stream_options = StreamOptions(**{**stream_options.__dict__, "watchdog": False})

        clicks = (CardCallbackHandler(CardClickProcessor(self.runtime.bot, self.cards_api), self.queue)
                  if self.cards_api is not None else None)

        def make_client(on_frame: Callable[[], None]) -> Any:
            client = build_stream_client(self.client_id, self._client_secret, on_frame=on_frame)
            client.register_callback_handler(CHATBOT_TOPIC, handler)
            if clicks is not None:
                client.register_callback_handler(CARD_CALLBACK_TOPIC, clicks)
            return client

        self.runner = StreamRunner(make_client, stream_options)
        self.runner.start()
        log.info("DingTalk stream started (OpenAPI %s)", self.endpoint)

    def stop(self) -> None:
        """Close the stream and the workers; returns within about 2 seconds."""
        started = time.monotonic()
        if self.runner is not None:
            self.runner.stop()
        if self.queue is not None:
            remaining = STOP_BUDGET_S - (time.monotonic() - started) - 0.1
            self.queue.close(timeout=max(0.0, min(self.options.drain_seconds, remaining)))
        self.http.close()
        log.info("DingTalk stopped in %.2fs", time.monotonic() - started)
