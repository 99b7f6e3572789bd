"""The in-process ticker: APScheduler 3.x running ONE interval job, the notification tick.

APScheduler is only a timer here: a `MemoryJobStore`, nothing persisted,
because the outbox is the record of what still has to be sent. `coalesce` + `max_instances=1` mean a slow
tick is never overlapped by the next one and missed runs collapse into one; a restart simply ticks again
and the enqueue statements catch up on whatever fell due meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.errors import report_error

log = logging.getLogger("crmbot.scheduler")
TICK_JOB_ID = "notification-tick"
# APScheduler logs every successful run at INFO: one line a minute that says nothing.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


class NotificationTicker:
    """Calls `tick()` every `seconds` in a background thread, starting right away."""

    def __init__(self, tick: Callable[[], object], *, seconds: int) -> None:
        if seconds < 1:
            raise ValueError(f"tick interval must be at least 1 second, not {seconds}")
        self._tick = tick
        self.seconds = seconds
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": seconds},
            timezone=UTC,
        )
        self.scheduler.add_job(
            self._run_once,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=TICK_JOB_ID,
            name="enqueue and dispatch notifications",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
            next_run_time=datetime.now(UTC),
        )

    def start(self) -> None:
        """Start ticking in the background."""
        self.scheduler.start()
        log.info("notification ticks every %ss", self.seconds)

    def stop(self) -> None:
        """Stop ticking; waits for a running tick to finish so no claim is left half-done."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def _run_once(self) -> None:
        try:
            self._tick()
        except Exception as exc:  # the ticker must outlive a bad tick (database briefly unavailable …)
            report_error(exc, {"job": "tick"})
