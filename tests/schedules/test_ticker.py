"""The APScheduler contract: one in-memory interval job per process, never overlapping, ticking at once."""

from __future__ import annotations

import logging
import threading

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from adapters.bootstrap import Runtime
from adapters.scheduling import SchedulerService
from adapters.services import scheduler_service
from bot.dispatcher import Bot
from schedules.tick import NotificationTick
from schedules.ticker import TICK_JOB_ID, NotificationTicker
from tests.bot.notifications.helpers import RecordingSender, World, local


@pytest.fixture
def config_overrides():
    return {"scheduler": {"tick_seconds": 17}}


@pytest.fixture
def runtime(engine, settings, clock):
    return Runtime(settings=settings, engine=engine, bot=Bot(engine=engine, settings=settings, clock=clock),
                   clock=clock)


def test_the_service_registers_one_coalescing_interval_job_in_memory(runtime):
    service = scheduler_service(runtime)
    assert isinstance(service, SchedulerService) and service.is_platform is False
    scheduler = service.ticker.scheduler
    [job] = scheduler.get_jobs()
    assert job.id == TICK_JOB_ID
    assert isinstance(job.trigger, IntervalTrigger) and job.trigger.interval.total_seconds() == 17
    assert job.coalesce is True and job.max_instances == 1
    assert all(isinstance(store, MemoryJobStore) for store in scheduler._jobstores.values())


def test_a_started_service_ticks_right_away_and_stops_cleanly(runtime, engine, settings, clock):
    world = World(engine, settings, clock)
    alice = world.user("alice", tz="Asia/Shanghai")
    world.step(world.customer("Acme", alice), due_at=local("Asia/Shanghai", 2026, 11, 18, 9, 0))
    arrived = threading.Event()

    class Signalling(RecordingSender):
        def send(self, target, reply):
            sent = super().send(target, reply)
            arrived.set()
            return sent

    sender = Signalling()
    runtime.add_sender(sender)
    service = scheduler_service(runtime)
    service.start()
    try:
        assert arrived.wait(timeout=20), "the first tick did not deliver"
    finally:
        service.stop()
    assert not service.ticker.scheduler.running
    assert "Follow-up due" in sender.texts("alice")[0]


def test_a_failing_tick_is_reported_and_the_ticker_survives(monkeypatch):
    reported = []
    monkeypatch.setattr("schedules.ticker.report_error", lambda exc, ctx: reported.append((str(exc), ctx)))

    def broken() -> None:
        raise RuntimeError("database unavailable")

    ticker = NotificationTicker(broken, seconds=60)
    ticker._run_once()
    assert reported == [("database unavailable", {"job": "tick"})]
    with pytest.raises(ValueError):
        NotificationTicker(broken, seconds=0)



def test_a_pass_started_while_one_is_running_is_skipped_and_says_so(engine, settings, clock, caplog):
    world = World(engine, settings, clock)
    alice = world.user("alice", tz="Asia/Shanghai")
    world.step(world.customer("Acme", alice), due_at=local("Asia/Shanghai", 2026, 11, 18, 9, 0))
    inner = []

    class Reentrant(RecordingSender):
        def send(self, target, reply):
            inner.append(tick())  # the next tick fires while this pass is still sending
            return super().send(target, reply)

    clock.set(local("Asia/Shanghai", 2026, 11, 18, 9, 5))
    tick = NotificationTick(engine=engine, settings=settings, clock=clock, senders={"console": Reentrant()})
    with caplog.at_level(logging.INFO, logger="crmbot.scheduler"):
        report = tick()

    assert [r.skipped for r in inner] == [True] and not report.skipped
    assert [d.kind for d in report.dispatched.delivered] == ["followup_due"]
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("tick skipped: the previous pass") for m in messages)
    assert any(m.startswith("tick pass took") and "1 delivered" in m for m in messages)


def test_the_ticker_logs_a_run_it_skips(caplog):
    ticker = NotificationTicker(lambda: None, seconds=60)
    event = JobSubmissionEvent(EVENT_JOB_MAX_INSTANCES, TICK_JOB_ID, "default",
                               [local("UTC", 2026, 11, 18, 9, 0)])
    with caplog.at_level(logging.WARNING, logger="crmbot.scheduler"):
        ticker._skipped(event)
    assert caplog.records[0].getMessage() == "tick skipped (due 09:00:00 UTC): the previous pass is still running"
