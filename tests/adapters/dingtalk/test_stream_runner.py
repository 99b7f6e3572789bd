"""The stream runner: watchdog against a zombie socket (real SDK), stop and restart semantics of both SDK lines."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from typing import Any

import pytest

from adapters.dingtalk.openapi import Timeouts
from adapters.dingtalk.runner import StreamOptions, StreamRunner
from adapters.dingtalk.sdk import PingNoiseFilter
from adapters.dingtalk.service import DingTalkOptions, DingTalkService
from tests.adapters.dingtalk.test_conversations import ask
from tests.emulators.dingtalk import DingTalkEmulator

WATCHDOG = StreamOptions(silence_timeout=0.3, watchdog_interval=0.02, restart_backoff_initial=0.05)


@pytest.fixture
def dingtalk_options() -> DingTalkOptions:
    return DingTalkOptions(stream=WATCHDOG, workers=2, timeouts=Timeouts(connect=2.0, read=5.0))


def test_watchdog_replaces_a_connection_that_went_silent(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    [zombie] = dingtalk_emulator.wait_for_connections(1)
    dingtalk_emulator.stall()  # the socket stays up, but nothing arrives any more
    dingtalk_emulator.wait_for_total_connections(2, timeout=5)
    assert dingtalk_service.runner is not None and dingtalk_service.runner.watchdog_closures >= 1
    dingtalk_emulator.wait_for(lambda: zombie.closed, 5, "the zombie to be closed")
    [fresh] = dingtalk_emulator.wait_for_connections(1)
    assert fresh.id != zombie.id
    assert ask(dingtalk_emulator, "帮助")["msgtype"] == "markdown"


@pytest.mark.parametrize("dingtalk_emulator", [{"ping_interval": 0.05}], indirect=True)
def test_pings_keep_a_quiet_connection_alive(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    # 20 pings span about 1 s, three times the watchdog's silence limit.
    dingtalk_emulator.wait_for(lambda: len([f for f in dingtalk_emulator.frames_received
                                            if f["frame"]["data"].find("opaque") >= 0]) >= 20, 5, "20 pings")
    assert dingtalk_service.runner is not None and dingtalk_service.runner.watchdog_closures == 0
    assert len(dingtalk_emulator.connections) == 1


class OldSdkClient:
    """Behaves like 0.24.3: swallows a cancel and sleeps 10 s before it can be cancelled again."""

    def __init__(self, on_frame: Any) -> None:
        self.cancels_swallowed = 0
        self.started = threading.Event()

    async def start(self) -> None:
        self.started.set()
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancels_swallowed += 1
                await asyncio.sleep(10)


class NewSdkClient:
    """Behaves like 0.24.4b1: `await client.stop()` ends `start()`, cancels propagate."""

    def __init__(self, on_frame: Any) -> None:
        self._stopped: asyncio.Event | None = None
        self.stop_called = False
        self.started = threading.Event()

    async def start(self) -> None:
        self._stopped = asyncio.Event()
        self.started.set()
        await self._stopped.wait()

    async def stop(self) -> None:
        self.stop_called = True
        if self._stopped is not None:
            self._stopped.set()


@pytest.mark.parametrize("client_class", [OldSdkClient, NewSdkClient])
def test_stop_returns_within_two_seconds_on_both_sdk_lines(client_class: type) -> None:
    runner = StreamRunner(client_class, StreamOptions(watchdog=False))
    runner.start()
    assert runner.client.started.wait(5)
    began = time.monotonic()
    runner.stop()
    assert time.monotonic() - began < 2.0
    assert not runner.running
    if client_class is OldSdkClient:
        assert runner.client.cancels_swallowed == 1
    else:
        assert runner.client.stop_called


class CrashingClient:
    """`start()` escapes twice (as the SDK's lazily imported exceptions module once did), then runs."""

    def __init__(self, on_frame: Any) -> None:
        self.starts = 0
        self.third_start = threading.Event()

    async def start(self) -> None:
        self.starts += 1
        if self.starts == 3:
            self.third_start.set()
        if self.starts <= 2:
            raise AttributeError("module 'websockets' has no attribute 'exceptions'")
        await asyncio.sleep(3600)


def test_the_supervisor_restarts_a_client_that_crashed_with_backoff() -> None:
    options = StreamOptions(watchdog=False, restart_backoff_initial=0.01, restart_backoff_max=0.05)
    runner = StreamRunner(CrashingClient, options, rng=random.Random(1))
    runner.start()
    try:
        assert runner.client.third_start.wait(5)
        assert runner.client.starts == 3 and runner.restarts == 2
        assert runner.running
    finally:
        runner.stop()


def test_only_the_sdks_per_ping_warning_is_filtered() -> None:
    def record(*args: object) -> logging.LogRecord:
        return logging.LogRecord("crmbot.dingtalk.sdk", logging.WARNING, "stream.py", 121,
                                 "unknown message topic, topic=%s, message=%s", args, None)

    noise = PingNoiseFilter()
    assert not noise.filter(record("ping", {"type": "SYSTEM"}))
    assert noise.filter(record("/v1.0/unknown", {"type": "SYSTEM"}))
