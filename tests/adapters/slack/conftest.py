"""Fixtures: crmbot started the way `crmbot run` starts it, talking to the fake Slack over real HTTP.

`slack` is the running app (`SlackRunning`): bootstrap → `platform_services` → `start()`, with SLACK_API_URL pointing at `fake_slack` and the HTTP server on
127.0.0.1:0. Helpers post correctly signed requests built with the emulator's payload builders.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.bootstrap import Runtime, bootstrap
from adapters.services import platform_services
from adapters.slack.service import SlackService
from storage.models import Customer
from tests.emulators import slack_requests as inbound
from tests.emulators.slack import DEFAULT_TOKEN, FakeSlack
from tests.emulators.slack_requests import FORM, JSON, SignedPostResult, post_signed

SECRET = "test-signing-secret"
ALICE, BOB, CAROL = "U111", "U222", "U333"  # Alice and Bob share a team; Carol is on her own
CHANNEL = "C111"


@pytest.fixture
def config_overrides(fake_slack: FakeSlack) -> dict[str, Any]:
    return {
        "slack_bot_token": DEFAULT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": fake_slack.base_url,
        "http_port": 0,
        "teams": [{"name": "East", "members": [f"slack:{ALICE}", f"slack:{BOB}"], "shares_customers": True}],
        "defaults": {"language": "en", "timezone": "Asia/Shanghai"},
    }


@dataclass
class SlackRunning:
    """The started service plus helpers to talk to it like Slack does."""

    runtime: Runtime
    service: SlackService
    fake: FakeSlack

    @property
    def url(self) -> str:
        return f"{self.service.url}/slack/events"

    def post(self, body: str, content_type: str = FORM, **kwargs: Any) -> SignedPostResult:
        return post_signed(self.url, body, content_type, SECRET, **kwargs)

    def command(self, text: str, user: str = ALICE, channel: str = CHANNEL, **kwargs: Any) -> tuple[SignedPostResult, str]:
        """Send `/crm <text>`; returns the HTTP result and the response_url hook it answers through."""
        hook = self.fake.hooks_url(channel=channel, user_id=user)
        result = self.post(inbound.slash_command(text, user_id=user, channel_id=channel, response_url=hook, **kwargs))
        return result, hook

    def event(self, event: dict[str, Any], *, event_id: str | None = None, team_id: str = "T111",
              retry_num: int | None = None) -> SignedPostResult:
        body = inbound.event_callback(event, event_id, team_id=team_id)
        return self.post(body, JSON, retry_num=retry_num)

    def drain(self) -> None:
        """Wait for background work (answers, card updates) to finish."""
        adapter = self.service.adapter
        assert adapter is not None and adapter.drain(10)

    def answers(self, hook: str, n: int = 1) -> list[Any]:
        """The bodies posted to a response_url, waiting for ``n`` of them."""
        self.fake.wait_for("response_url", n)
        self.drain()
        return [p.body for p in self.fake.hook_posts(hook)]

    def customer(self, name: str) -> Customer:
        with Session(self.runtime.engine) as session:
            found = session.exec(select(Customer).where(Customer.name == name)).first()
        assert found is not None, f"no customer {name!r}"
        return found


def payload_text(value: Any) -> str:
    """Everything a recorded payload says, as one string (to search for leaked text)."""
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def slack(fake_slack: FakeSlack, settings: Any, clock: Any) -> Iterator[SlackRunning]:
    """crmbot running with Slack, as `crmbot run` would start it."""
    fake_slack.add_user(ALICE, real_name="Alice Chen", tz="Asia/Shanghai")
    fake_slack.add_user(BOB, real_name="Bob Li", tz="Asia/Shanghai")
    fake_slack.add_user(CAROL, real_name="Carol Wu", tz="Europe/Berlin")
    runtime = bootstrap(settings, clock=clock)
    services = platform_services(runtime)
    service = next(s for s in services if isinstance(s, SlackService))
    service.start()
    try:
        yield SlackRunning(runtime, service, fake_slack)
    finally:
        service.stop()
        runtime.engine.dispose()
