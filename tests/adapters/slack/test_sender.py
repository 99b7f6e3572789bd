"""`SlackSender` (the core's push port) against the fake Slack: where pushes land, pacing, and errors."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from adapters.slack.sender import ChannelPacer, SlackSender
from bot.messages import Card, CardField, Reply, SentMessage, Target
from bot.ports import DeliveryError
from tests.emulators.slack import DEFAULT_TOKEN, FakeSlack

CARD = Card(title="Acme Trading", subtitle="#1",
            fields=(CardField("Owner", "Alice"), CardField("Phone", "+8613800138000", sensitive=True)))


class VirtualTime:
    """Seconds that pass only when somebody sleeps."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def no_retry_sleep(monkeypatch):
    """Record the 429 retry handler's sleeps instead of sleeping (and drop its random jitter)."""
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=slept.append))
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    return slept


def client_for(fake: FakeSlack, token: str = DEFAULT_TOKEN) -> WebClient:
    return WebClient(token=token, base_url=fake.base_url, timeout=5,
                     retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)])


def unpaced(fake: FakeSlack) -> SlackSender:
    return SlackSender(client_for(fake), pacer=ChannelPacer(0))


def test_a_push_to_a_user_opens_their_dm_once_and_lands_there(fake_slack):
    fake_slack.add_user("U111")
    sender = unpaced(fake_slack)
    first = sender.send(Target("slack", "T111", user="U111"), Reply(text="**Call Acme** at 15:00"))
    sender.send(Target("slack", "T111", user="U111"), Reply(text="second"))
    assert first == SentMessage("slack", "T111", "DU111", first.message_id)
    assert [m.text for m in fake_slack.messages("DU111")] == ["*Call Acme* at 15:00", "second"]
    assert len(fake_slack.calls("conversations.open")) == 1


def test_channel_pushes_hide_sensitive_card_fields_and_threads_and_updates_work(fake_slack):
    fake_slack.add_user("U111")
    sender = unpaced(fake_slack)
    card = sender.send(Target("slack", "T111", channel="C111"), Reply(card=CARD))
    reply = sender.send(Target("slack", "T111", channel="C111", thread=card.message_id), Reply(text="noted"))
    in_dm = sender.send(Target("slack", "T111", user="U111"), Reply(card=CARD))
    sender.update(card, Reply(card=Card(title="Acme Trading (won)", subtitle="#1")))

    assert "+8613800138000" not in str(fake_slack.calls("chat.postMessage")[0].params["blocks"])
    assert "+8613800138000" in str(fake_slack.message("DU111", in_dm.message_id).blocks)  # a DM is private
    assert [m.ts for m in fake_slack.thread("C111", card.message_id)] == [reply.message_id]
    updated = fake_slack.message("C111", card.message_id)
    assert updated.blocks[0]["text"]["text"] == "Acme Trading (won)" and len(updated.previous_versions) == 1


def test_a_rate_limited_post_is_retried_after_retry_after(fake_slack, no_retry_sleep):
    fake_slack.rate_limit_next("chat.postMessage", retry_after=3)
    sent = unpaced(fake_slack).send(Target("slack", "T111", channel="C111"), Reply(text="hello"))
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 200]
    assert no_retry_sleep == [3.0] and fake_slack.message("C111", sent.message_id).text == "hello"


def test_rate_limits_that_outlast_the_retries_are_raised_with_retry_after(fake_slack, no_retry_sleep):
    fake_slack.rate_limit_next("chat.postMessage", retry_after=30, times=3)
    with pytest.raises(DeliveryError) as raised:
        unpaced(fake_slack).send(Target("slack", "T111", channel="C111"), Reply(text="hello"))
    assert (raised.value.permanent, raised.value.retry_after) == (False, 30.0)
    assert no_retry_sleep == [30.0, 30.0]


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "invalid_auth", "account_inactive",
                                   "is_archived"])
def test_errors_retrying_cannot_fix_are_permanent(fake_slack, error):
    fake_slack.fail_next("chat.postMessage", error)
    with pytest.raises(DeliveryError) as raised:
        unpaced(fake_slack).send(Target("slack", "T111", channel="C111"), Reply(text="hello"))
    assert raised.value.permanent and error in str(raised.value)


def test_real_failures_are_raised_not_swallowed(fake_slack):
    fake_slack.server_error_next("chat.postMessage", status=500)
    with pytest.raises(DeliveryError) as server_error:
        unpaced(fake_slack).send(Target("slack", "T111", channel="C111"), Reply(text="x"))
    assert not server_error.value.permanent

    with pytest.raises(DeliveryError) as bad_token:
        SlackSender(client_for(fake_slack, "xoxb-revoked"), pacer=ChannelPacer(0)).send(
            Target("slack", "T111", channel="C111"), Reply(text="x"))
    assert bad_token.value.permanent and "invalid_auth" in str(bad_token.value)

    with pytest.raises(DeliveryError) as unknown_user:
        unpaced(fake_slack).send(Target("slack", "T111", user="UNOBODY"), Reply(text="x"))
    assert unknown_user.value.permanent

    with pytest.raises(DeliveryError) as nowhere:
        unpaced(fake_slack).send(Target("slack", "T111"), Reply(text="x"))
    assert nowhere.value.permanent


def test_slack_being_down_is_a_transient_delivery_error(clean_slack_env):
    with FakeSlack() as fake:
        client = WebClient(token=DEFAULT_TOKEN, base_url=fake.base_url, timeout=2)
    with pytest.raises(DeliveryError) as raised:
        SlackSender(client, pacer=ChannelPacer(0)).send(Target("slack", "T111", channel="C111"), Reply(text="x"))
    assert not raised.value.permanent and raised.value.retry_after is None


def test_posts_to_one_channel_are_paced_about_a_second_apart_others_do_not_wait(clean_slack_env):
    clock = VirtualTime()
    with FakeSlack(clock=clock) as fake:
        sender = SlackSender(client_for(fake), pacer=ChannelPacer(1.0, clock=clock, sleep=clock.sleep))
        for i in range(4):
            sender.send(Target("slack", "T111", channel="C111"), Reply(text=f"burst {i}"))
            sender.send(Target("slack", "T111", channel="C222"), Reply(text=f"other {i}"))
        busy, other = fake.post_times("C111"), fake.post_times("C222")
    assert [round(b - a, 3) for a, b in zip(busy, busy[1:], strict=False)] == [1.0, 1.0, 1.0]
    assert [round(o - b, 3) for b, o in zip(busy, other, strict=True)] == [0.0, 0.0, 0.0, 0.0]  # no waiting
    assert len(fake.messages("C111")) == 4  # delayed, never dropped


def test_pacing_holds_on_the_wall_clock_too(fake_slack):
    sender = SlackSender(client_for(fake_slack))
    started = time.monotonic()
    for text in ("one", "two"):
        sender.send(Target("slack", "T111", channel="C111"), Reply(text=text))
    sender.send(Target("slack", "T111", channel="C222"), Reply(text="elsewhere"))
    times = fake_slack.post_times("C111")
    assert times[1] - times[0] >= 0.95
    assert fake_slack.post_times("C222")[0] - times[1] < 0.5 and time.monotonic() - started < 2


def test_a_reclaimed_push_is_found_in_history_instead_of_sent_twice(fake_slack):
    fake_slack.add_user("U111")
    sender = unpaced(fake_slack)
    target = Target("slack", "T111", user="U111")
    sender.send(target, Reply(text="Call Acme", extras={"outbox_ids": [41, 42]}))
    sender.send(target, Reply(text="unrelated push"))
    found = sender.find_delivered(target, [42])
    assert found is not None and found.channel == "DU111"
    assert sender.find_delivered(target, [43]) is None
    assert len(fake_slack.messages("DU111")) == 2


def test_history_lookup_failure_means_not_delivered(fake_slack):
    fake_slack.add_user("U111")
    sender = unpaced(fake_slack)
    fake_slack.fail_next("conversations.history", error="missing_scope")
    assert sender.find_delivered(Target("slack", "T111", user="U111"), [1]) is None
