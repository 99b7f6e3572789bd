"""The third platform, end to end: crmbot started as `crmbot run` starts it, talking to the webhook emulator.

Nothing in the core knows this platform: it is found by `adapters.platforms.discover`, answers through
`Bot.handle`, and the core pages, degrades and redacts for it from its declared capabilities.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.bootstrap import Runtime, bootstrap
from adapters.scheduling import tick_once
from adapters.services import platform_services
from adapters.webhook.service import WebhookService
from tests.emulators.webhook import WebhookPlatform

SECRET = "webhook-test-secret"


@pytest.fixture
def platform() -> Iterator[WebhookPlatform]:
    emulator = WebhookPlatform(SECRET).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def config_overrides(platform: WebhookPlatform) -> dict[str, Any]:
    return {
        "platforms": {"webhook": {"secret": SECRET, "outbound_url": platform.outbound_url, "port": 0,
                                  "host": "127.0.0.1"}},
        "teams": [{"name": "East", "members": ["webhook:u-alice", "webhook:u-bob"], "shares_customers": True}],
        "defaults": {"language": "en", "timezone": "Asia/Shanghai"},
    }


@dataclass
class Running:
    runtime: Runtime
    service: WebhookService


@pytest.fixture
def running(settings: Any, clock: Any, platform: WebhookPlatform) -> Iterator[Running]:
    runtime = bootstrap(settings, clock=clock)
    services = platform_services(runtime)
    assert [type(s).__name__ for s in services] == ["WebhookService"]  # found, not wired in by hand
    service = services[0]
    assert isinstance(service, WebhookService)
    service.start()
    platform.bot_url = service.url
    try:
        yield Running(runtime, service)
    finally:
        service.stop()
        runtime.engine.dispose()


def test_a_rep_creates_and_reads_a_customer_in_a_dm(running: Running, platform: WebhookPlatform) -> None:
    created = platform.say("new Acme Trading phone:13800138000 industry:retail")
    assert created.status == 200 and "Acme Trading" in created.text and created.messages[0]["ok"]
    shown = platform.say("show Acme Trading")
    [message] = shown.messages
    assert "**Acme Trading**" in message["text"] and "13800138000" in message["text"]
    # The platform has buttons but no blocks: the card became markdown, its actions stayed buttons.
    assert {"log", "done"} & {button["id"] for button in message["buttons"]}
    assert all(button["command"].strip().endswith("#1") for button in message["buttons"] if button["id"] == "log")


def test_a_button_click_runs_its_command_as_the_clicking_user(running: Running, platform: WebhookPlatform) -> None:
    platform.say("new Acme Trading")
    clicked = platform.say("show #1", kind="button")
    assert clicked.status == 200 and "Acme Trading" in clicked.text


def test_in_a_group_the_card_loses_its_sensitive_fields(running: Running, platform: WebhookPlatform) -> None:
    platform.say("new Acme Trading phone:13800138000")
    shown = platform.say("show Acme Trading", channel="sales", direct=False)
    assert "Acme Trading" in shown.text and "13800138000" not in json.dumps(shown.body)


def test_user_errors_answer_in_the_users_language_and_change_nothing(running: Running, platform: WebhookPlatform) -> None:
    answer = platform.say("查看 不存在的客户")
    assert answer.status == 200 and not answer.messages[0]["ok"]
    assert "不存在的客户" in answer.text and "customer" not in answer.text.lower()


def test_a_redelivered_event_is_answered_once(running: Running, platform: WebhookPlatform) -> None:
    first = platform.say("new Acme Trading", event_id="evt-same")
    again = platform.say("new Acme Trading", event_id="evt-same")
    assert first.messages and again.status == 200 and again.messages == []
    assert "Nothing found" not in platform.say("find Acme").text
    assert platform.say("find Acme").text.count("Acme Trading") == 1


def test_unsigned_stale_or_malformed_requests_are_refused(running: Running, platform: WebhookPlatform) -> None:
    assert platform.say("new Acme", secret="wrong").status == 401
    assert platform.say("new Acme", timestamp=int(time.time()) - 3600).status == 401
    assert platform.post(b"not json").status == 400
    assert platform.post(json.dumps({"user": {"id": "u1"}, "channel": "c", "text": "hi", "kind": "teleport"}).encode()).status == 400
    assert "Nothing found" in platform.say("find Acme").text


def test_share_posts_the_redacted_card_and_a_thread_reply_logs_a_follow_up(
    running: Running, platform: WebhookPlatform
) -> None:
    platform.say("new Acme Trading phone:13800138000")
    shared = platform.say("share Acme Trading", channel="sales", direct=False)
    assert shared.status == 200
    [post] = platform.pushes_to(channel="sales")
    assert "Acme Trading" in post.text and "13800138000" not in post.text
    # Bob is on Alice's team: his reply in the card's thread is logged, quietly.
    reply = platform.say("called, they want a quote", user="u-bob", name="Bob", channel="sales", direct=False,
                         kind="thread_reply", thread=post.message_id)
    assert reply.messages and all(message["quiet"] for message in reply.messages)
    assert "they want a quote" in platform.say("show Acme Trading").text
    # The change redrew the card in place (the platform's messages are editable), still redacted.
    redraws = [p for p in platform.pushes if p.replaces == post.message_id]
    assert redraws and "13800138000" not in redraws[-1].text
    # A reply in any other thread is left alone.
    assert platform.say("hello", channel="sales", direct=False, kind="thread_reply", thread="msg-999").messages == []


def test_pushes_are_signed_and_paged_to_the_platform(running: Running, platform: WebhookPlatform, clock: Any) -> None:
    platform.say("new Acme Trading")
    assert "remind you" in platform.say("remind me tomorrow 10:00 call Acme back").text
    clock.advance(days=1, minutes=5)
    report = tick_once(running.runtime)
    assert report.dispatched.delivered
    [push] = platform.pushes_to(user="u-alice")
    assert "call Acme back" in push.text and platform.bad_pushes == 0


def test_a_failed_push_is_retried_later(running: Running, platform: WebhookPlatform, clock: Any) -> None:
    platform.say("remind me tomorrow 10:00 call the bank")
    clock.advance(days=1, minutes=5)
    platform.fail_next(503)
    tick_once(running.runtime)
    assert platform.pushes_to(user="u-alice") == []
    clock.advance(hours=1)  # past the backoff
    tick_once(running.runtime)
    assert "call the bank" in platform.pushes_to(user="u-alice")[0].text


def test_the_health_endpoint_answers(running: Running) -> None:
    import requests

    answer = requests.get(f"{running.service.url}/healthz", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"ok": True}
