"""Enqueue: put every notification that is due now into the outbox, exactly once per occasion.

Each kind runs one set-based statement for every zone of active users at once (see `outbox_sql` and
`zone_clocks`); the unique key makes a rerun, a second replica or a catch-up after downtime harmless. Churn
scoring is the one heavy pass (every customer's contact rhythm), so a process runs it at most once per clock
hour; its weekly key makes extra runs harmless anyway.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from bot import jobs
from bot.errors import report_error
from bot.notifications.catalog import enqueue_steps
from bot.notifications.catch_up import catch_up_days, last_pass, record_pass
from bot.notifications.local_time import QuietHours, local_moments
from bot.notifications.team_channels import sync_team_channels
from bot.notifications.zone_clocks import ZoneClocks
from config.settings import Settings
from storage.uow import unit_of_work

log = logging.getLogger("crmbot.notifications")


@dataclass
class EnqueueReport:
    """How many new outbox rows each kind added in one pass (reruns add none)."""

    inserted: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """All new rows of the pass."""
        return sum(self.inserted.values())


class Enqueuer:
    """Runs the catalog's enqueue steps; keeps the per-process memo of when hourly steps last ran."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._hourly_done: dict[str, datetime] = {}  # heavy steps (churn scoring): label -> clock hour
        self._team_channels_synced = False

    def enqueue_due(self, now: datetime) -> EnqueueReport:
        """Enqueue everything due at `now` in every zone; a failing kind is reported and the rest still run."""
        report = EnqueueReport()
        if not self._team_channels_synced:
            try:
                with unit_of_work(self.engine) as session:
                    sync_team_channels(session, self.settings, now=now)
                self._team_channels_synced = True
            except Exception as exc:
                report_error(exc, {"job": "enqueue", "step": "team channels"})
        quiet = QuietHours.parse(self.settings.scheduler.quiet_hours)
        with unit_of_work(self.engine, write=False) as session:
            moments = local_moments(session, self.settings, now)
            last = last_pass(session)
        if not moments:
            return report
        clocks = ZoneClocks(tuple(moments), self.settings, quiet, now, catch_up_days=catch_up_days(last, now),
                            last_pass=last)
        hour = now.replace(minute=0, second=0, microsecond=0)
        complete = True
        for step in enqueue_steps():
            if step.hourly and self._hourly_done.get(step.label) == hour:
                continue
            try:
                report.inserted[step.label] += step.run(self.engine, clocks)
                if step.hourly:
                    self._hourly_done[step.label] = hour
            except Exception as exc:  # one broken kind must not stop the others
                complete = False
                report_error(exc, {"job": "enqueue", "kind": step.label})
        self._run_jobs(clocks, hour)
        if complete:  # a failed kind keeps the window wide, so the next pass still reaches what it missed
            try:
                with unit_of_work(self.engine) as session:
                    record_pass(session, now)
            except Exception as exc:
                report_error(exc, {"job": "enqueue", "step": "record pass"})
        if report.total:
            log.info("enqueued %s", {kind: n for kind, n in report.inserted.items() if n})
        return report

    def _run_jobs(self, clocks: ZoneClocks, hour: datetime) -> None:
        """The maintenance jobs (`bot.jobs`), after the notifications; they add no outbox rows of their own."""
        for job in jobs.JOBS:
            if job.hourly and self._hourly_done.get(job.label) == hour:
                continue
            try:
                done = job.run(self.engine, clocks)
                self._hourly_done[job.label] = hour
                if done:
                    log.info("job %s: %d", job.label, done)
            except Exception as exc:  # a broken job never stops notifications
                report_error(exc, {"job": job.label})
