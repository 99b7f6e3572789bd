"""Dropping Events API redeliveries before they reach a listener.

Slack redelivers an event it thinks failed (``X-Slack-Retry-Num: 1..3``), and after a 3 s timeout it does
so even though the first delivery is still being handled, so duplicates are normal. The first delivery of
an ``event_id`` claims it here (in memory, for this process); a twin is answered 200 at once and never
runs. Claims are per ``event_id``, not "has a retry header": a retry whose original never arrived is the
first delivery and runs. Across processes the core's `ProcessedMessage` dedupe (by message id) still
guarantees nothing is logged twice.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

EVENT_TTL_S = 3600.0  # Slack's last retry comes about 5 minutes after the first attempt
MAX_REMEMBERED = 50_000


class EventDeduper:
    """Remembers recently seen event ids; thread-safe."""

    def __init__(self, *, ttl_s: float = EVENT_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen within the TTL; False for a twin."""
        now = self._clock()
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) > MAX_REMEMBERED):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now + self._ttl_s
            return True

    def middleware(self, req: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        """Bolt global middleware: short-circuit a redelivered ``event_callback`` with 200."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.claim(f"{body.get('team_id', '')}:{event_id}"):
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return next()
