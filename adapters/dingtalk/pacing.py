"""Per-group send pacing: at most `limit` robot messages per group in any `window` seconds.

DingTalk throttles group robots at 20 messages a minute (the robot API publishes no number),
so we stay under it (18 by default) and tell the caller when the next slot frees instead of sending into a
throttle. The limit is the group's, whichever replica sends: `SharedSendPacer` counts every send (answers
through the session webhook, pushes, shared cards) in the database, through the core's
`bot.conversation.reserve_group_sends`. `SendPacer` is the same window kept in one process (for tools and
tests without a database); time comes from an injected monotonic clock so tests never sleep.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from bot.conversation import reserve_group_sends
from bot.dispatcher import Bot


class SendPacer:
    """A sliding-window counter per key (an `openConversationId`)."""

    def __init__(self, limit: int = 18, window: float = 60.0, *, monotonic: Callable[[], float] = time.monotonic):
        if limit < 1 or window <= 0:
            raise ValueError(f"need limit >= 1 and window > 0, got limit={limit}, window={window}")
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, count: int = 1) -> float:
        """Take `count` slots for `key` and return 0.0, or take none and return the seconds to wait."""
        if count > self.limit:
            raise ValueError(f"cannot send {count} messages at once with a limit of {self.limit}")
        with self._lock:
            now = self._monotonic()
            sent = self._sent.setdefault(key, deque())
            while sent and sent[0] <= now - self.window:
                sent.popleft()
            free = self.limit - len(sent)
            if free >= count:
                sent.extend([now] * count)
                return 0.0
            # The slot we need frees when the (count - free)-th oldest send leaves the window.
            return max(0.001, sent[count - free - 1] + self.window - now)


class SharedSendPacer:
    """The group send window counted in the database, so every replica shares one count per group."""

    def __init__(self, bot: Bot, limit: int = 18, window: float = 60.0, *, platform: str = "dingtalk") -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"need limit >= 1 and window > 0, got limit={limit}, window={window}")
        self.bot = bot
        self.limit = limit
        self.window = window
        self.platform = platform

    def reserve(self, key: str, count: int = 1) -> float:
        """Take `count` slots for the group `key` and return 0.0, or take none and return the seconds to wait."""
        return reserve_group_sends(self.bot, f"{self.platform}:{key}", count, limit=self.limit, window_s=self.window)
