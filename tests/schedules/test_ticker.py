"""The APScheduler contract: one in-memory interval job per process, never overlapping, ticking at once."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from adapters.bootstrap import Runtime
from adapters.scheduling import SchedulerService
from adapters.services import scheduler_service
from bot.dispatcher import Bot
from schedules.ticker import TICK_JOB_ID, NotificationTicker
from tests.bot.notifications.helpers import RecordingSender, World, local

REPO = Path(__file__).resolve().parents[2]


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


def imported_modules(folder: str) -> set[str]:
    names: set[str] = set()
    for path in (REPO / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    return names


def test_schedules_never_import_adapters_and_notifications_stay_platform_neutral():
    def touches(names: set[str], banned: tuple[str, ...]) -> set[str]:
        return {name for name in names if name.split(".")[0] in banned}

    assert touches(imported_modules("schedules"), ("adapters",)) == set()
    assert touches(imported_modules("bot/notifications"),
                   ("adapters", "schedules", "apscheduler", "slack_bolt", "slack_sdk", "dingtalk_stream")) == set()
