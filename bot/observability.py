"""Request / job ids for logs, and process-wide counters for the metrics endpoint."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("crm_request_id", default="-")
_sequence = itertools.count(1)
_counters: Counter[str] = Counter()
_lock = threading.Lock()


@contextlib.contextmanager
def request_scope(prefix: str) -> Iterator[str]:
    """Tag every log line inside the block with a fresh id like ``cmd-42`` or ``tick-7``."""
    request_id = f"{prefix}-{next(_sequence)}"
    token = current_request_id.set(request_id)
    try:
        yield request_id
    finally:
        current_request_id.reset(token)


def count(name: str, amount: int = 1) -> None:
    """Add to a named counter (``commands_total``, ``notifications_sent_total`` …)."""
    with _lock:
        _counters[name] += amount


def snapshot() -> dict[str, int]:
    """The current counter values."""
    with _lock:
        return dict(_counters)


def prometheus_text() -> str:
    """Counters in the Prometheus text exposition format."""
    lines = []
    for name, value in sorted(snapshot().items()):
        metric = f"crmbot_{name}"
        lines.append(f"# TYPE {metric} counter")
        lines.append(f"{metric} {value}")
    return "\n".join(lines) + "\n"
