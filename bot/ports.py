"""Ports the core needs from the outside world (implemented by adapters; faked in tests)."""

from __future__ import annotations

from typing import Protocol

from bot.clock import Clock
from bot.messages import Reply, SentMessage, Target

__all__ = ["Clock", "DeliveryError", "Sender"]


class DeliveryError(Exception):
    """A push failed. `permanent` errors (unknown channel, bad token) must not be retried."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    """Pushes replies without an incoming message: DMs, channel posts, thread replies, card updates.

    Implementations raise `DeliveryError` on failure instead of swallowing it.
    """

    platform: str
    # Optionally also `capabilities: bot.platforms.Capabilities` (else the platform registry's are used).

    def send(self, target: Target, reply: Reply) -> SentMessage:
        """Post `reply` to `target` and return what identifies the posted message."""
        ...

    def update(self, message: SentMessage, reply: Reply) -> None:
        """Replace a message the bot posted earlier (a shared card) with `reply`."""
        ...
