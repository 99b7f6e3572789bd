"""The fake Slack's clock-driven and interactive Web API, driven by the real slack_sdk ``WebClient`` /
``WebhookClient``: per-channel pacing, scheduled messages, modal views and triggers, response_url hooks.

Time only moves when a test advances the injected ``ManualClock``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.webhook import WebhookClient

from tests.emulators.slack import FakeSlack
from tests.emulators.slack_testing import SECTION, api_error, client_for, modal


class ManualClock:
    """Epoch seconds that only move when the test says so."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def clocked_slack(clock: ManualClock, clean_slack_env: None) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as fake:
        yield fake


# ----- pacing -------------------------------------------------------------------------------------------


def test_post_times_expose_per_channel_pacing(clocked_slack, clock):
    client = client_for(clocked_slack)
    for _ in range(3):
        client.chat_postMessage(channel="C111", text="digest part")
        clock.advance(1.0)
    client.chat_postMessage(channel="C222", text="elsewhere")
    assert clocked_slack.post_times("C111") == [clock.now - 3, clock.now - 2, clock.now - 1]


# ----- scheduling ---------------------------------------------------------------------------------------


def test_schedule_message_limits_listing_and_delivery(clocked_slack, clock):
    client = client_for(clocked_slack)
    post_at = int(clock.now) + 3600
    scheduled = client.chat_scheduleMessage(channel="C111", post_at=post_at, text="Birthday: Acme CEO")
    meta = {"event_type": "crm_push", "event_payload": {"id": 1}}
    client.chat_scheduleMessage(channel="C111", post_at=post_at, text="with metadata", metadata=meta)
    listed = client.chat_scheduledMessages_list(channel="C111")["scheduled_messages"]

    past = api_error(
        lambda: client.chat_scheduleMessage(channel="C111", post_at=int(clock.now) - 1, text="x")
    )
    far = api_error(
        lambda: client.chat_scheduleMessage(channel="C111", post_at=int(clock.now) + 121 * 86400, text="x")
    )
    assert (past.response["error"], far.response["error"]) == ("time_in_past", "time_too_far")
    assert [m["id"] for m in listed][0] == scheduled["scheduled_message_id"]

    clock.advance(3600)
    delivered = clocked_slack.deliver_due_scheduled()
    assert [m.text for m in delivered] == ["Birthday: Acme CEO"]  # the metadata one never posts (Slack bug)
    assert [m.text for m in clocked_slack.scheduler.dropped] == ["with metadata"]


def test_schedule_message_allows_30_per_5_minutes_per_channel(clocked_slack, clock):
    client = client_for(clocked_slack)
    start = int(clock.now) + 600
    for offset in range(30):
        client.chat_scheduleMessage(channel="C111", post_at=start + offset * 5, text=f"m{offset}")
    crowded = api_error(lambda: client.chat_scheduleMessage(channel="C111", post_at=start + 200, text="31st"))
    client.chat_scheduleMessage(channel="C111", post_at=start + 500, text="next window")
    client.chat_scheduleMessage(channel="C222", post_at=start + 200, text="other channel")

    assert crowded.response["error"] == "restricted_too_many"
    first_id = clocked_slack.scheduled_messages("C111")[0].id
    client.chat_deleteScheduledMessage(channel="C111", scheduled_message_id=first_id)
    gone = api_error(
        lambda: client.chat_deleteScheduledMessage(channel="C111", scheduled_message_id=first_id)
    )
    assert gone.response["error"] == "invalid_scheduled_message_id"


# ----- views --------------------------------------------------------------------------------------------


def test_modal_stack_limit_and_single_use_triggers(fake_slack, slack_client):
    root = slack_client.views_open(trigger_id="t-1", view=modal(callback_id="followup"))["view"]
    slack_client.views_push(trigger_id="t-2", view=modal("Step 2"))
    slack_client.views_push(trigger_id="t-3", view=modal("Step 3"))
    too_deep = api_error(lambda: slack_client.views_push(trigger_id="t-4", view=modal("Step 4")))
    reused = api_error(lambda: slack_client.views_open(trigger_id="t-1", view=modal()))

    assert root["id"].startswith("V") and root["callback_id"] == "followup"
    assert too_deep.response["error"] == "push_limit_reached"
    assert reused.response["error"] == "exchanged_trigger_id"
    assert len(fake_slack.open_modals()[0]) == 3


def test_push_goes_onto_the_modal_the_trigger_came_from(fake_slack, slack_client):
    first = slack_client.views_open(trigger_id="t-1", view=modal("First"))["view"]
    second = slack_client.views_open(trigger_id="t-2", view=modal("Second"))["view"]
    pushed = slack_client.views_push(
        trigger_id=fake_slack.issue_trigger_id(view_id=first["id"]), view=modal()
    )
    fake_slack.close_modal(second["id"])

    assert pushed["view"]["previous_view_id"] == first["id"]
    assert fake_slack.open_modals() == [[first["id"], pushed["view"]["id"]]]


def test_trigger_expiry_is_opt_in_and_follows_the_clock(clocked_slack, clock):
    client = client_for(clocked_slack)
    clocked_slack.expire_triggers_after(3.0)
    fresh, stale = clocked_slack.issue_trigger_id(), clocked_slack.issue_trigger_id()
    client.views_open(trigger_id=fresh, view=modal())
    clock.advance(3.5)
    expired = api_error(lambda: client.views_open(trigger_id=stale, view=modal()))
    assert expired.response["error"] == "expired_trigger_id"


def test_views_are_validated_and_updates_respect_hash(fake_slack, slack_client):
    long_title = api_error(lambda: slack_client.views_open(trigger_id="t-1", view=modal("x" * 25)))
    opened = slack_client.views_open(trigger_id="t-2", view=modal())["view"]
    updated = slack_client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Saved"))[
        "view"
    ]
    stale = api_error(
        lambda: slack_client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    )
    fake_slack.add_user("U111")
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    too_big_home = api_error(lambda: slack_client.views_publish(user_id="U111", view=home))
    slack_client.views_publish(user_id="U111", view={"type": "home", "blocks": [SECTION]})

    assert long_title.response["error"] == "invalid_blocks"
    assert updated["title"]["text"] == "Saved" and stale.response["error"] == "hash_conflict"
    assert too_big_home.response["error"] == "invalid_blocks"
    assert fake_slack.home_view("U111").payload["blocks"] == [SECTION]


# ----- response_url hooks -------------------------------------------------------------------------------


def test_response_url_posts_take_effect_and_stop_after_five_uses(fake_slack, slack_client):
    card_ts = slack_client.chat_postMessage(channel="C111", text="card v1")["ts"]
    url = fake_slack.hooks_url("cmd-1", channel="C111", user_id="U111", message_ts=card_ts)
    hook = WebhookClient(url)

    assert hook.send(text="Searching…").body == "ok"
    hook.send(text="Acme Corp", response_type="in_channel")
    hook.send(text="card v2", replace_original=True)
    bad = hook.send(text="x", blocks=[{"type": "sparkle"}])
    hook.send(text="fifth")
    sixth = hook.send(text="sixth")

    assert [e.text for e in fake_slack.ephemerals(user_id="U111")] == ["Searching…", "fifth"]
    assert [m.text for m in fake_slack.messages("C111")] == ["card v2", "Acme Corp"]
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert len(fake_slack.hook_posts(url)) == 6


def test_response_url_delete_original_unknown_hooks_and_empty_bodies(fake_slack, slack_client):
    card_ts = slack_client.chat_postMessage(channel="C111", text="card")["ts"]
    hook = WebhookClient(fake_slack.hooks_url("act-1", channel="C111", message_ts=card_ts))
    empty = hook.send_dict({"response_type": "ephemeral"})
    deleted = hook.send(delete_original=True)
    unknown = WebhookClient(f"{fake_slack.root_url}/hooks/never-issued").send(text="x")

    assert (empty.status_code, empty.body) == (400, "no_text")
    assert deleted.status_code == 200 and fake_slack.messages("C111") == []
    assert (unknown.status_code, unknown.body) == (404, "no_service")


def test_response_url_expires(clocked_slack, clock):
    url = clocked_slack.hooks_url(lifetime_s=1800)
    clock.advance(1801)
    answer = WebhookClient(url).send(text="too late")
    assert (answer.status_code, answer.body) == (404, "expired_url")
