"""When to try a failed push again: exponential backoff with full jitter, honouring Retry-After.

Full jitter (delay = uniform(0, min(cap, base · 2^(attempt-1)))) spreads replicas and recipients that
failed together; a platform's own Retry-After (Slack 429, DingTalk 130101 → 10 minutes) is a floor.
After `max_attempts` tries, or once the row is older than `give_up_after`, the row goes to `dead`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff parameters (defaults: about 8 attempts or 24 h)."""

    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8
    give_up_after: timedelta = timedelta(hours=24)
    # Never retry within the same tick: a row rescheduled for "now" would be claimed again at once.
    min_delay_seconds: float = 1.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def gives_up(self, *, attempts: int, created_at: datetime, now: datetime) -> bool:
        """Whether a row that just failed its `attempts`-th try should become a dead letter."""
        return attempts >= self.max_attempts or now - created_at >= self.give_up_after

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """How long to wait after the `attempts`-th failed try."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        seconds = self.rng.uniform(0, ceiling)
        if retry_after is not None:
            seconds = max(seconds, retry_after)
        return timedelta(seconds=max(seconds, self.min_delay_seconds))
