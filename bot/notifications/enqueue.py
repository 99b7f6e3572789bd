"""Enqueue: put every notification that is due now into the outbox, exactly once per occasion.

Each kind runs one set-based statement for every zone of active users at once (see `outbox_sql` and
`zone_clocks`); the unique key makes a rerun, a second replica or a catch-up after downtime harmless. Churn
scoring is the one heavy pass (every customer's contact rhythm), so a process runs it at most once per clock
hour; its weekly key makes extra runs harmless anyway.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.errors import report_error
from bot.notifications import kinds
from bot.notifications.churn_features import all_churn_rows
from bot.notifications.enqueue_birthdays import enqueue_birthdays
from bot.notifications.enqueue_churn import enqueue_churn_warnings
from bot.notifications.enqueue_digests import enqueue_digests
from bot.notifications.enqueue_due import (
    enqueue_followup_escalations,
    enqueue_followups_due,
    enqueue_payment_escalations,
    enqueue_payments_overdue,
    enqueue_reminders_due,
)
from bot.notifications.local_time import QuietHours, local_moments
from bot.notifications.team_channels import sync_team_channels
from bot.notifications.zone_clocks import ZoneClocks
from config.settings import Settings
from storage.uow import unit_of_work

log = logging.getLogger("crmbot.notifications")

EnqueueStatement = Callable[[Session, ZoneClocks], int]
ENQUEUE_STATEMENTS: tuple[tuple[str, EnqueueStatement], ...] = (
    (kinds.FOLLOWUP_DUE, enqueue_followups_due),
    (kinds.REMINDER_DUE, enqueue_reminders_due),
    (kinds.FOLLOWUP_OVERDUE, enqueue_followup_escalations),
    (kinds.BIRTHDAY, enqueue_birthdays),
    (kinds.PAYMENT_OVERDUE, enqueue_payments_overdue),
    (kinds.PAYMENT_ESCALATION, enqueue_payment_escalations),
    ("digest", enqueue_digests),
)


@dataclass
class EnqueueReport:
    """How many new outbox rows each kind added in one pass (reruns add none)."""

    inserted: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """All new rows of the pass."""
        return sum(self.inserted.values())


class Enqueuer:
    """Runs the enqueue statements; keeps the per-process memo of when churn was last scored."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._churn_scored_hour: datetime | None = None
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
        if not moments:
            return report
        clocks = ZoneClocks(tuple(moments), self.settings, quiet, now)
        for kind, statement in ENQUEUE_STATEMENTS:
            try:
                with unit_of_work(self.engine) as session:
                    report.inserted[kind] += statement(session, clocks)
            except Exception as exc:  # one broken kind must not stop the others
                report_error(exc, {"job": "enqueue", "kind": kind})
        hour = now.replace(minute=0, second=0, microsecond=0)
        if self._churn_scored_hour != hour:
            try:
                rows = all_churn_rows(self.engine, today=clocks.first_today)
                with unit_of_work(self.engine) as session:
                    report.inserted[kinds.CHURN] += enqueue_churn_warnings(session, clocks, rows)
                self._churn_scored_hour = hour
            except Exception as exc:
                report_error(exc, {"job": "enqueue", "kind": kinds.CHURN})
        if report.total:
            log.info("enqueued %s", {kind: n for kind, n in report.inserted.items() if n})
        return report
