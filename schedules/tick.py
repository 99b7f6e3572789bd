"""One scheduler tick: enqueue everything due, then dispatch what is pending.

The same `NotificationTick` runs in the background of `crmbot run` (every `tick_seconds`) and once per
`crmbot tick`. All state lives in the outbox, so any number of processes may tick at the same time.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.clock import Clock
from bot.notifications.dispatch import Delivery, Dispatcher, DispatchOptions, DispatchReport
from bot.notifications.enqueue import Enqueuer, EnqueueReport
from bot.ports import Sender
from config.settings import Settings


def default_worker_id() -> str:
    """``host:pid:random``, unique per process so leases tell replicas apart."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class TickReport:
    """What one tick enqueued and what it delivered."""

    enqueued: EnqueueReport
    dispatched: DispatchReport


class NotificationTick:
    """Enqueue + dispatch, with the senders of this process (platform → Sender).

    `senders` is read on every tick, so a mapping that is filled later (platform services starting after
    the scheduler) is honoured.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        senders: Mapping[str, Sender],
        options: DispatchOptions | None = None,
        on_delivered: Callable[[Delivery], None] | None = None,
    ) -> None:
        self.clock = clock
        self.options = options or DispatchOptions.from_settings(settings, worker_id=default_worker_id())
        self.enqueuer = Enqueuer(engine, settings)
        self.dispatcher = Dispatcher(engine, settings, clock, senders, self.options, on_delivered=on_delivered)

    def __call__(self) -> TickReport:
        """Run one pass; errors in single kinds or rows are reported and never stop the pass."""
        enqueued = self.enqueuer.enqueue_due(self.clock.now())
        dispatched = self.dispatcher.dispatch_due()
        return TickReport(enqueued=enqueued, dispatched=dispatched)
