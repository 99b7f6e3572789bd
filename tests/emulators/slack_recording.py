"""What the fake Slack remembers about traffic (the call log) and the failures a test asked for.

`CallLog` is written by server threads and read by the test thread, so it is guarded by a
`threading.Condition`; `CallLog.wait_for` blocks on it instead of polling, which keeps tests that wait
for a background sender (Bolt lazy listeners, the outbox worker) both fast and free of sleeps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class RecordedCall:
    """One Web API request and the answer the fake gave."""

    method: str
    http_verb: str
    headers: Mapping[str, str]
    """Request headers with lower-case names."""
    params: Mapping[str, Any]
    """Query, form and JSON parameters merged (JSON values stay decoded)."""
    token: str | None
    time: float
    """The fake's clock when the call was answered."""
    status: int
    response: Mapping[str, Any]
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the fake answered ``ok: true``."""
        return self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        """The ``error`` code of an ``ok: false`` answer."""
        return self.response.get("error")


class SlackCallTimeout(AssertionError):
    """`CallLog.wait_for` gave up: fewer calls of the method arrived than the test expected."""


class CallLog:
    """Thread-safe, append-only record of Web API calls."""

    def __init__(self) -> None:
        self._calls: list[RecordedCall] = []
        self._changed = threading.Condition()

    def record(self, call: RecordedCall) -> None:
        """Append a call and wake up waiters."""
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Calls so far, oldest first, optionally only those of ``method``."""
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, n: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until at least ``n`` calls of ``method`` were answered; return all of them.

        Raises `SlackCallTimeout` naming what did arrive, so a failing test shows the actual traffic.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [c for c in self._calls if c.method == method]
                if len(matching) >= n:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.method}->{'ok' if c.ok else c.error}" for c in self._calls]
                    raise SlackCallTimeout(
                        f"expected {n} call(s) to {method} within {timeout}s, got {len(matching)}; all calls: {seen}"
                    )
                self._changed.wait(remaining)

    def clear(self) -> None:
        """Forget every recorded call."""
        with self._changed:
            self._calls.clear()


FaultKind = Literal["error", "rate_limit", "server_error"]


@dataclass
class Fault:
    """A failure to answer instead of the real result, ``remaining`` more times."""

    method: str
    kind: FaultKind
    status: int
    error: str
    remaining: int
    retry_after: int | None = None
    channel: str | None = None

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        """Same method and (when the fault is channel-scoped) the same ``channel`` argument."""
        return method == self.method and (self.channel is None or params.get("channel") == self.channel)

    def body(self) -> dict[str, Any]:
        """The JSON body sent with this failure."""
        return {"ok": False, "error": self.error}


class FaultPlan:
    """Queued failures (FIFO per match) and per-method response delays."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Queue a failure."""
        if fault.remaining < 1:
            raise ValueError("a fault must apply at least once (times >= 1)")
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        """The first queued failure matching this call, consuming one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, params):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def set_delay(self, method: str, seconds: float) -> None:
        """Delay every answer to ``method`` by ``seconds`` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def delay_for(self, method: str) -> float:
        """Seconds to wait before answering ``method``."""
        with self._lock:
            return self._delays.get(method, 0.0)

    def clear(self) -> None:
        """Drop all queued failures and delays."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()
