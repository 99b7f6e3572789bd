"""Fixtures for the DingTalk adapter: the real SDK and our service running against the gateway emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.dingtalk.openapi import DingTalkHttp, Timeouts
from adapters.dingtalk.runner import StreamOptions
from adapters.dingtalk.service import DingTalkOptions, DingTalkService
from adapters.dingtalk.settings import DingTalkSettings
from config.settings import Settings
from tests.emulators.dingtalk import DingTalkEmulator

# Short timers so failures show quickly; the watchdog is off unless a test turns it on.
FAST_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
FAST_OPTIONS = DingTalkOptions(
    stream=StreamOptions(watchdog=False, restart_backoff_initial=0.05, restart_backoff_max=0.2),
    workers=4,
    timeouts=FAST_TIMEOUTS,
)


@pytest.fixture
def dingtalk_settings(settings: Settings, dingtalk_emulator: DingTalkEmulator) -> Settings:
    """The test settings with the emulator's app credentials and OpenAPI endpoint."""
    section = DingTalkSettings(client_id=dingtalk_emulator.config.client_id,
                               client_secret=dingtalk_emulator.config.client_secret,
                               openapi_endpoint=dingtalk_emulator.base_url)
    return settings.model_copy(update={"platforms": {**settings.platforms, "dingtalk": section.model_dump()}})


@pytest.fixture
def runtime(dingtalk_settings: Settings, engine: Any, bot: Any, clock: Any) -> Runtime:
    """A runtime like `bootstrap()` builds, on the test database and clock."""
    return Runtime(settings=dingtalk_settings, engine=engine, bot=bot, clock=clock)


@pytest.fixture
def dingtalk_options() -> DingTalkOptions:
    """Adapter options for the `dingtalk_service` fixture (override in a module to change them)."""
    return FAST_OPTIONS


@pytest.fixture
def dingtalk_service(
    runtime: Runtime, dingtalk_emulator: DingTalkEmulator, dingtalk_options: DingTalkOptions
) -> Iterator[DingTalkService]:
    """The adapter, started and connected to the emulator; stopped after the test."""
    service = DingTalkService(runtime, options=dingtalk_options)
    service.start()
    try:
        dingtalk_emulator.wait_for_connections(1, timeout=10)
        yield service
    finally:
        service.stop()


@pytest.fixture
def http(dingtalk_emulator: DingTalkEmulator) -> Iterator[DingTalkHttp]:
    """Our OpenAPI client pointed at the emulator."""
    client = DingTalkHttp(endpoint=dingtalk_emulator.base_url, client_id=dingtalk_emulator.config.client_id,
                          client_secret=dingtalk_emulator.config.client_secret, timeouts=FAST_TIMEOUTS)
    yield client
    client.close()
