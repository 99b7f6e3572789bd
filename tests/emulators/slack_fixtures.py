"""pytest fixtures for the fake Slack (register with ``pytest_plugins = ["tests.emulators.slack_fixtures"]``).

- ``clean_slack_env``: removes proxy variables and every ``SLACK_*`` variable for the test. slack_sdk
  copies ``HTTP(S)_PROXY`` into ``WebClient.proxy`` even for ``http://127.0.0.1``, and
  ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` silently switch Bolt into OAuth mode. Safe as autouse.
- ``fake_slack``: a started `FakeSlack` (function scope; stopped afterwards), with a clean environment.
- ``slack_client``: a real ``WebClient`` pointed at ``fake_slack`` with the production retry handlers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from tests.emulators.slack import DEFAULT_TOKEN, FakeSlack

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def clean_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Delete proxy and ``SLACK_*`` environment variables for the duration of the test."""
    for name in list(os.environ):
        if name.upper() in PROXY_VARIABLES or name.upper().startswith("SLACK_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_slack(clean_slack_env: None) -> Iterator[FakeSlack]:
    """A running fake Slack on 127.0.0.1 (token ``xoxb-test``), stopped after the test."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> WebClient:
    """``WebClient`` against ``fake_slack``, retrying connection errors and 429s like production."""
    return WebClient(
        token=DEFAULT_TOKEN,
        base_url=fake_slack.base_url,
        timeout=5,
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
    )
