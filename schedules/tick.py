"""One scheduler tick: enqueue everything due, then dispatch what is pending.

The same `NotificationTick` runs in the background of `crmbot run` (every `tick_seconds`) and once per
`crmbot tick`. All state lives in the outbox, so any number of processes may tick at the same time; within
one process passes never overlap: a pass called while another is running is skipped (logged), and every
pass logs how long it took.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.clock import Clock
from bot.notifications.dispatch import Delivery, Dispatcher, DispatchOptions, DispatchReport
from bot.notifications.enqueue import Enqueuer, EnqueueReport
from bot.ports import Sender
from config.settings import Settings

log = logging.getLogger("crmbot.scheduler")


def default_worker_id() -> str:
    """``host:pid:random``, unique per process so leases tell replicas apart."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class TickReport:
    """What one tick enqueued and what it delivered."""

    enqueued: EnqueueReport
    dispatched: DispatchReport
    skipped: bool = False  # another pass of this process was still running
    seconds: float = 0.0


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
        self._running = threading.Lock()
        self._started = 0.0

    def __call__(self) -> TickReport:
        """Run one pass; errors in single kinds or rows are reported and never stop the pass.

        Skipped (and logged) while another pass of this object is running: two passes of one process would
        only compete for the same rows, and a slow pass must not pile up behind itself.
        """
        if not self._running.acquire(blocking=False):
            log.warning("tick skipped: the previous pass, started %.1f s ago, is still running",
                        time.monotonic() - self._started)
            return TickReport(enqueued=EnqueueReport(), dispatched=DispatchReport(), skipped=True)
        try:
            self._started = time.monotonic()
            enqueued = self.enqueuer.enqueue_due(self.clock.now())
            dispatched = self.dispatcher.dispatch_due()
            seconds = time.monotonic() - self._started
        finally:
            self._running.release()
        log.info("tick pass took %.2f s: %d enqueued, %d delivered, %d retried, %d dead", seconds, enqueued.total,
                 len(dispatched.delivered), len(dispatched.retried), len(dispatched.dead))
        return TickReport(enqueued=enqueued, dispatched=dispatched, seconds=seconds)
