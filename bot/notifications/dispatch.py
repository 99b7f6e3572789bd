"""Dispatch: claim due outbox rows, send them through the platform's sender, record what happened.

Per claimed batch: route and render (`units.prepare_batch`), then send unit by unit, round-robin over
targets, marking each unit `sent` right after its send. A `DeliveryError` that is permanent makes the rows
dead letters with the reason; a transient one schedules a retry (backoff with full jitter, at least the
platform's Retry-After, and never inside the recipient's quiet hours). When a target answers "slow down",
its other units in this pass are deferred to after the wait instead of being tried one after another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.clock import Clock
from bot.errors import report_error
from bot.messages import SentMessage
from bot.notifications.catalog import occasion_label
from bot.notifications.claim import (
    ClaimedNotification,
    claim_due,
    mark_dead,
    mark_sent,
    renew_lease,
    schedule_retry,
)
from bot.notifications.local_time import QuietHours, deliverable_from
from bot.notifications.retry import RetryPolicy
from bot.notifications.units import SendUnit, Unsendable, interleave, prepare_batch
from bot.observability import count
from bot.platforms import capabilities_of
from bot.ports import DeliveryError, Sender
from config.settings import Settings

log = logging.getLogger("crmbot.notifications")


@dataclass(frozen=True)
class DispatchOptions:
    """How one worker dispatches: its id (for leases), lease length, batch size, retry policy."""

    worker_id: str
    lease_seconds: float = 120.0
    batch_size: int = 20  # audiences (recipients / channels) per claim, each with all its due rows
    # Claims per pass (each at most 500 rows); whatever is left waits for the next tick. A morning at 60,000
    # customers is about 50 claims; 400 leave room for ten times that in one pass.
    max_batches: int = 400
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_settings(cls, settings: Settings, *, worker_id: str) -> DispatchOptions:
        """Production options: the configured lease, default batching and retry policy."""
        return cls(worker_id=worker_id, lease_seconds=settings.scheduler.lease_seconds)


@dataclass(frozen=True)
class Delivery:
    """One occasion delivered: what `crmbot tick` prints."""

    outbox_id: int
    kind: str
    recipient: str
    occasion: str
    target: str
    message_id: str | None
    summary: bool = False

    def line(self) -> str:
        """``delivered <kind> <recipient> <occasion>``."""
        return f"delivered {self.kind} {self.recipient} {self.occasion}"


@dataclass
class DispatchReport:
    """What one dispatch pass did."""

    delivered: list[Delivery] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    dead: list[tuple[int, str]] = field(default_factory=list)


class Dispatcher:
    """Delivers claimed notifications through `senders` (platform name → Sender)."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock, senders: Mapping[str, Sender],
                 options: DispatchOptions, on_delivered: Callable[[Delivery], None] | None = None) -> None:
        """``on_delivered`` hears of each delivery the moment its send succeeded (before it is marked), so
        a caller like `crmbot tick` can report it even if the process is killed later in the pass."""
        self.engine = engine
        self.on_delivered = on_delivered
        self.settings = settings
        self.clock = clock
        self.senders = senders
        self.options = options
        self.quiet = QuietHours.parse(settings.scheduler.quiet_hours)

    def dispatch_due(self) -> DispatchReport:
        """Claim and deliver due rows until none is left (or the pass's batch limit is reached)."""
        report = DispatchReport()
        # Rows rescheduled during this pass have not_before after this instant, so they wait for a later tick.
        due_by = self.clock.now()
        for _ in range(self.options.max_batches):
            batch = claim_due(self.engine, worker_id=self.options.worker_id, now=self.clock.now(), due_by=due_by,
                              lease_seconds=self.options.lease_seconds, audiences=self.options.batch_size)
            if not batch:
                break
            self._deliver(batch, report)
        return report

    def _deliver(self, batch: list[ClaimedNotification], report: DispatchReport) -> None:
        now = self.clock.now()
        lease_until = now + timedelta(seconds=self.options.lease_seconds)
        prepared = prepare_batch(self.engine, self.settings, now, batch, self.senders)
        for item in prepared.unsendable:
            self._unsendable(item, report)
        throttled: dict[str, datetime] = {}
        sent_to: dict[str, int] = {}  # messages sent per conversation in this pass
        units = interleave(prepared.units)
        for index, unit in enumerate(units):
            now = self.clock.now()
            if now >= lease_until - timedelta(seconds=self.options.lease_seconds / 2):
                lease_until = now + timedelta(seconds=self.options.lease_seconds)
                remaining = [row.id for later in units[index:] for row in later.rows]
                renew_lease(self.engine, remaining, worker_id=self.options.worker_id, until=lease_until)
            key = unit.target.key()
            if key in throttled:
                ids = [row.id for row in unit.rows]
                schedule_retry(self.engine, ids, worker_id=self.options.worker_id, not_before=throttled[key],
                               error="deferred: target asked to slow down", attempt_used=False)
                report.deferred.extend(ids)
                continue
            if self._over_rate(unit, sent_to.get(key, 0)):
                # The platform allows only so many messages a minute per conversation: the rest wait a minute.
                throttled[key] = now + timedelta(minutes=1)
                schedule_retry(self.engine, [row.id for row in unit.rows], worker_id=self.options.worker_id,
                               not_before=throttled[key], error="deferred: the platform's rate per conversation",
                               attempt_used=False)
                report.deferred.extend(row.id for row in unit.rows)
                continue
            sent_to[key] = sent_to.get(key, 0) + len(unit.replies)
            self._send(unit, report, throttled)

    def _over_rate(self, unit: SendUnit, already: int) -> bool:
        """Whether sending `unit` now would pass its platform's declared messages per minute (a pass is short:
        what one pass sends to a conversation is what it gets within that minute)."""
        sender = self.senders.get(unit.target.platform)
        rate = capabilities_of(unit.target.platform, sender).messages_per_minute
        return rate is not None and already > 0 and already + len(unit.replies) > rate

    def _send(self, unit: SendUnit, report: DispatchReport, throttled: dict[str, datetime]) -> None:
        ids = [row.id for row in unit.rows]
        sender = self.senders.get(unit.target.platform)
        try:
            if sender is None:
                raise DeliveryError(f"no sender for platform {unit.target.platform!r} in this process")
            first = self._already_delivered(sender, unit) or self._send_pages(sender, unit)
        except DeliveryError as exc:
            if exc.retry_after is not None:
                throttled[unit.target.key()] = self.clock.now() + timedelta(seconds=exc.retry_after)
            self._failed(unit, str(exc), permanent=exc.permanent, retry_after=exc.retry_after, report=report)
            return
        except BrokenPipeError:
            raise  # this process's own output went away (a console push piped into `head`): not a delivery error
        except Exception as exc:  # a sender bug: report it once, treat it as transient
            ref = report_error(exc, {"job": "dispatch", "target": unit.target.key(), "outbox_ids": ids})
            self._failed(unit, f"unexpected error ({ref})", permanent=False, retry_after=None, report=report)
            return
        deliveries = [Delivery(
            outbox_id=row.id, kind=row.kind, recipient=unit.audience_label,
            occasion=occasion_label(row.kind, row.subject_id, row.due_date), target=unit.target.key(),
            message_id=first.message_id if first else None, summary=unit.summary,
        ) for row in unit.rows]
        try:
            if self.on_delivered is not None:
                for delivery in deliveries:
                    self.on_delivered(delivery)
        finally:  # even if reporting failed (a closed pipe), the rows were sent: mark them
            mark_sent(self.engine, ids, now=self.clock.now(), provider_msg_id=first.message_id if first else None)
            count("notifications_sent_total", len(ids))
            report.delivered.extend(deliveries)

    def _send_pages(self, sender: Sender, unit: SendUnit) -> SentMessage | None:
        first: SentMessage | None = None
        for reply in unit.replies:
            sent = sender.send(unit.target, reply)
            first = first or sent
        return first

    def _already_delivered(self, sender: Sender, unit: SendUnit) -> SentMessage | None:
        """Ask a sender that can read its history back whether a reclaimed row already arrived.

        Only rows tried before (attempts > 1) can have been sent by a worker that died before marking them;
        senders without `find_delivered` (DingTalk, the console) accept that rare duplicate.
        """
        find = getattr(sender, "find_delivered", None)
        if find is None or all(row.attempts <= 1 for row in unit.rows):
            return None
        return find(unit.target, [row.id for row in unit.rows])

    def _failed(self, unit: SendUnit, error: str, *, permanent: bool, retry_after: float | None,
                report: DispatchReport) -> None:
        policy = self.options.retry
        now = self.clock.now()
        for row in unit.rows:
            if permanent:
                self._dead(row.id, f"permanent: {error}", report)
            elif policy.gives_up(attempts=row.attempts, created_at=row.created_at, now=now):
                self._dead(row.id, f"gave up after {row.attempts} attempts: {error}", report)
            else:
                retry_at = deliverable_from(now + policy.delay(row.attempts, retry_after), unit.recipient.tz,
                                            self.quiet)
                schedule_retry(self.engine, [row.id], worker_id=self.options.worker_id, not_before=retry_at,
                               error=error)
                report.retried.append(row.id)
        log.warning("delivery to %s failed (%s): %s", unit.target.key(), "permanent" if permanent else "retry", error)

    def _unsendable(self, item: Unsendable, report: DispatchReport) -> None:
        if item.dead:
            self._dead(item.row.id, item.reason, report)
            return
        policy = self.options.retry
        now = self.clock.now()
        if policy.gives_up(attempts=item.row.attempts, created_at=item.row.created_at, now=now):
            self._dead(item.row.id, f"gave up after {item.row.attempts} attempts: {item.reason}", report)
            return
        schedule_retry(self.engine, [item.row.id], worker_id=self.options.worker_id,
                       not_before=now + policy.delay(item.row.attempts), error=item.reason)
        report.retried.append(item.row.id)

    def _dead(self, outbox_id: int, reason: str, report: DispatchReport) -> None:
        mark_dead(self.engine, [outbox_id], worker_id=self.options.worker_id, error=reason)
        count("notifications_dead_total")
        report.dead.append((outbox_id, reason))
