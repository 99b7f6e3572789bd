"""Pytest fixtures for the DingTalk gateway emulator (register with `pytest_plugins`).

- `dingtalk_emulator`: a started emulator with fast timers, the SDK pointed at it and proxies disabled.
  Override settings per test with indirect parametrisation:

      @pytest.mark.parametrize("dingtalk_emulator", [{"session_webhook_ttl": 60}], indirect=True)

- `run_sdk_client(client)` (re-exported from `dingtalk_sdk`): run a `DingTalkStreamClient` in its own
  thread and loop and stop it within 2 s. Test infrastructure only; the production adapter has its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulators.dingtalk import DingTalkEmulator
from tests.emulators.dingtalk_sdk import StreamRunner, run_sdk_client, sdk_endpoint_patches

__all__ = ["FAST_SETTINGS", "StreamRunner", "dingtalk_emulator", "isolate_from_proxies", "run_sdk_client"]

FAST_SETTINGS: dict[str, Any] = {
    "disconnect_grace": 0.5,
    "ticket_ttl": 90.0,
    "session_webhook_ttl": 5400.0,
    "routing": "random",
    "seed": 0,
}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "WS_PROXY", "WSS_PROXY")


def isolate_from_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep `requests` and `websockets` (proxy=True) from sending loopback traffic to a proxy."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def dingtalk_emulator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[DingTalkEmulator]:
    """A running emulator; the SDK globals and `DINGTALK_OPENAPI_ENDPOINT` point at it for this test."""
    settings = {**FAST_SETTINGS, **getattr(request, "param", {})}
    isolate_from_proxies(monkeypatch)
    with DingTalkEmulator(**settings) as emulator:
        monkeypatch.setenv("DINGTALK_OPENAPI_ENDPOINT", emulator.base_url)
        for target, name, value in sdk_endpoint_patches(emulator.base_url):
            monkeypatch.setattr(target, name, value)
        yield emulator
