"""Domain events a command raises; published to listeners after its transaction commits.

Adapters subscribe to keep platform state in step (Slack echoes follow-ups into a shared card's thread
and updates the card in place) without the core knowing any platform.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerChanged:
    """A customer's profile, next step or ownership changed.

    ``why`` says when the change decides what the customer's shared cards may show (``bot.shared_cards``):
    ``deleted``, ``restored`` or ``moved`` (to another owner); otherwise ``changed``."""

    customer_id: int
    tenant: str
    why: str = "changed"


@dataclass(frozen=True)
class FollowUpLogged:
    """A follow-up was recorded (from any platform, thread or command)."""

    customer_id: int
    followup_id: int
    tenant: str
    author_id: int
    text: str
    source_platform: str
    source_channel: str | None
    source_thread: str | None


Event = CustomerChanged | FollowUpLogged
