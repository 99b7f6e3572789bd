"""The in-process ticker: APScheduler 3.x running ONE interval job, the notification tick.

APScheduler is only a timer here: a `MemoryJobStore`, nothing persisted,
because the outbox is the record of what still has to be sent. `coalesce` + `max_instances=1` mean a slow
tick is never overlapped by the next one and missed runs collapse into one; a restart simply ticks again
and the enqueue statements catch up on whatever fell due meanwhile. A skipped run and a pass longer than
the interval are logged as warnings, so a scheduler that cannot keep up is visible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
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
        self.scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)

    def start(self) -> None:
        """Start ticking in the background."""
        self.scheduler.start()
        log.info("notification ticks every %ss", self.seconds)

    def stop(self) -> None:
        """Stop ticking; waits for a running tick to finish so no claim is left half-done."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def _run_once(self) -> None:
        started = time.monotonic()
        try:
            self._tick()
        except Exception as exc:  # the ticker must outlive a bad tick (database briefly unavailable …)
            report_error(exc, {"job": "tick"})
        seconds = time.monotonic() - started
        if seconds > self.seconds:
            log.warning("tick pass took %.1f s, longer than the %s s interval: the next pass waited for it",
                        seconds, self.seconds)

    def _skipped(self, event: JobSubmissionEvent) -> None:
        runs = ", ".join(f"{at:%H:%M:%S}" for at in event.scheduled_run_times)
        log.warning("tick skipped (due %s UTC): the previous pass is still running", runs)
