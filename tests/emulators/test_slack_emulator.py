"""The fake Slack, driven by the real slack_sdk ``WebClient`` / ``WebhookClient`` and a real Bolt app.

Every assertion is about something a Slack-facing caller would observe: the response, the raised
``SlackApiError``, the HTTP status, or the workspace state the fake exposes afterwards.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.emulators import slack_requests as inbound
from tests.emulators.slack import FakeSlack
from tests.emulators.slack_recording import SlackCallTimeout

# Until the root conftest registers it, load the fixtures (fake_slack, slack_client, clean_slack_env) here.
pytest_plugins = ["tests.emulators.slack_fixtures"]

SECRET = "test-signing-secret"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme Corp*"}}


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


def client_for(fake: FakeSlack, **kwargs: Any) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url, timeout=5, **kwargs)


def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


# ----- chat.postMessage / threads / update -----------------------------------------------------------------


def test_post_message_returns_increasing_ts_and_stores_the_card(fake_slack, slack_client):
    first = slack_client.chat_postMessage(channel="C111", text="Acme Corp", blocks=[SECTION])
    second = slack_client.chat_postMessage(channel="C111", text="Globex")

    assert first["channel"] == "C111" and first["message"]["blocks"] == [SECTION]
    assert float(second["ts"]) > float(first["ts"])
    assert [m.text for m in fake_slack.messages("C111")] == ["Acme Corp", "Globex"]
    call = fake_slack.calls("chat.postMessage")[0]
    assert call.headers["authorization"] == "Bearer xoxb-test" and call.params["blocks"] == [SECTION]


def test_thread_replies_live_under_the_parent_and_not_in_history(fake_slack, slack_client):
    parent = slack_client.chat_postMessage(channel="C111", text="card")["ts"]
    fake_slack.add_user("U222")
    human = fake_slack.add_user_message("C111", "U222", "called them", thread_ts=parent)
    slack_client.chat_postMessage(channel="C111", text="noted", thread_ts=parent)
    slack_client.chat_postMessage(channel="C111", text="deal won", thread_ts=parent, reply_broadcast=True)

    replies = slack_client.conversations_replies(channel="C111", ts=parent)["messages"]
    history = slack_client.conversations_history(channel="C111")["messages"]

    assert [m["text"] for m in replies] == ["card", "called them", "noted", "deal won"]
    assert replies[0]["reply_count"] == 3 and replies[1]["ts"] == human.ts
    assert [m["text"] for m in history] == ["deal won", "card"]  # only the broadcast reply shows up
    assert history[0]["subtype"] == "thread_broadcast"
    assert [m.text for m in fake_slack.thread("C111", parent)] == ["called them", "noted", "deal won"]
    assert (
        api_error(
            lambda: slack_client.chat_postMessage(channel="C111", text="x", thread_ts=human.ts)
        ).response["error"]
        == "thread_not_found"
    )


def test_update_edits_only_bot_messages_that_exist(fake_slack, slack_client):
    ts = slack_client.chat_postMessage(channel="C111", text="v1", blocks=[SECTION])["ts"]
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* (won)"}}]
    slack_client.chat_update(channel="C111", ts=ts, text="v2", blocks=new_blocks)
    fake_slack.add_user("U222")
    human = fake_slack.add_user_message("C111", "U222", "hello")

    card = fake_slack.message("C111", ts)
    assert (card.text, card.blocks, card.previous_versions[0]["text"]) == ("v2", new_blocks, "v1")
    missing = api_error(lambda: slack_client.chat_update(channel="C111", ts="1.000001", text="x"))
    foreign = api_error(lambda: slack_client.chat_update(channel="C111", ts=human.ts, text="x"))
    assert (missing.response["error"], foreign.response["error"]) == (
        "message_not_found",
        "cant_update_message",
    )


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([{"type": "divider"}] * 51, "no more than 50 items"),
        (
            [
                {
                    "type": "actions",
                    "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76}}],
                }
            ],
            "button text must be at most 75",
        ),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "at most 150"),
        ([{"type": "section", "text": "a bare string"}], "section text must be a text object"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "at most 10 items"),
        ([{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}], "duplicate block_id"),
        ([{"type": "sparkle"}], "unsupported block type"),
    ],
)
def test_invalid_blocks_are_rejected_like_slack(slack_client, blocks, expected):
    error = api_error(lambda: slack_client.chat_postMessage(channel="C111", text="t", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert any(expected in message for message in error.response["errors"]), error.response["errors"]


def test_missing_fallback_text_is_a_warning_and_long_text_is_truncated(fake_slack, slack_client):
    with pytest.warns(UserWarning):  # slack_sdk itself warns about the missing text
        slack_client.chat_postMessage(channel="C111", blocks=[SECTION])
    long = slack_client.chat_postMessage(channel="C111", text="x" * 40_001)

    assert fake_slack.warnings() == [
        ("chat.postMessage", "missing_fallback_text"),
        ("chat.postMessage", "message_truncated"),
    ]
    assert long["warning"] == "message_truncated" and len(long["message"]["text"]) == 40_000


def test_message_metadata_is_visible_through_history_only_when_asked(slack_client):
    metadata = {"event_type": "crm_reminder", "event_payload": {"reminder_id": "r-42"}}
    slack_client.chat_postMessage(channel="C111", text="Call Acme", metadata=metadata)

    plain = slack_client.conversations_history(channel="C111")["messages"][0]
    full = slack_client.conversations_history(channel="C111", include_all_metadata=True)["messages"][0]
    assert "metadata" not in plain and full["metadata"] == metadata
    bad = api_error(
        lambda: slack_client.chat_postMessage(channel="C111", text="x", metadata={"event_type": "x"})
    )
    assert bad.response["error"] == "invalid_metadata_format"


def test_reactions_permalinks_and_ephemerals(fake_slack, slack_client):
    ts = slack_client.chat_postMessage(channel="C111", text="card")["ts"]
    slack_client.reactions_add(channel="C111", timestamp=ts, name="white_check_mark")
    again = api_error(
        lambda: slack_client.reactions_add(channel="C111", timestamp=ts, name="white_check_mark")
    )
    link = slack_client.chat_getPermalink(channel="C111", message_ts=ts)["permalink"]
    fake_slack.add_user("U111")
    slack_client.chat_postEphemeral(channel="C111", user="U111", text="only you")

    assert fake_slack.message("C111", ts).reactions == {"white_check_mark": ["UBOT"]}
    assert again.response["error"] == "already_reacted"
    assert link == f"https://crm-test.slack.com/archives/C111/p{ts.replace('.', '')}"
    assert [e.text for e in fake_slack.ephemerals("C111", "U111")] == ["only you"]


def test_delete_unreact_unfurl_and_channel_lookups(fake_slack, slack_client):
    fake_slack.add_channel("C222", name="sales", members=("U111",))
    ts = slack_client.chat_postMessage(channel="#sales", text="card")["ts"]
    slack_client.reactions_add(channel="C222", timestamp=ts, name="eyes")
    slack_client.reactions_remove(channel="C222", timestamp=ts, name="eyes")
    unfurl = {"https://crm.example.com/c/42": {"blocks": [SECTION]}}
    slack_client.chat_unfurl(channel="C222", ts=ts, unfurls=unfurl)
    info = slack_client.conversations_info(channel="C222")["channel"]
    members = slack_client.conversations_members(channel="C222")["members"]
    slack_client.chat_delete(channel="C222", ts=ts)

    assert fake_slack.unfurls()[0]["unfurls"] == unfurl
    assert (info["name"], info["is_member"], members) == ("sales", True, ["U111", "UBOT"])
    assert fake_slack.messages("C222") == []
    assert (
        api_error(lambda: slack_client.chat_delete(channel="C222", ts=ts)).response["error"]
        == "message_not_found"
    )


def test_history_pages_newest_first(slack_client):
    for text in ("one", "two", "three"):
        slack_client.chat_postMessage(channel="C111", text=text)
    first = slack_client.conversations_history(channel="C111", limit=2)
    rest = slack_client.conversations_history(
        channel="C111", limit=2, cursor=first["response_metadata"]["next_cursor"]
    )

    assert [m["text"] for m in first["messages"]] == ["three", "two"] and first["has_more"]
    assert [m["text"] for m in rest["messages"]] == ["one"] and not rest["has_more"]


# ----- failures: ok:false, 429, 5xx, slow, auth, membership ---------------------------------------------


def test_injected_error_is_raised_once_and_only_for_that_channel(fake_slack, slack_client):
    fake_slack.fail_next("chat.postMessage", error="channel_not_found", channel="C999")

    slack_client.chat_postMessage(channel="C111", text="unaffected")
    error = api_error(lambda: slack_client.chat_postMessage(channel="C999", text="x"))
    slack_client.chat_postMessage(channel="C999", text="second try works")

    assert error.response["error"] == "channel_not_found"
    assert [c.ok for c in fake_slack.calls("chat.postMessage")] == [True, False, True]


def test_rate_limit_is_retried_by_the_handler_and_raised_by_a_default_client(fake_slack, monkeypatch):
    # RateLimitErrorRetryHandler sleeps Retry-After + random(); pin the jitter so the retry is immediate.
    monkeypatch.setattr(builtin_handlers.random, "random", lambda: 0.0)
    retrying = client_for(
        fake_slack,
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake_slack.rate_limit_next("chat.postMessage", retry_after=0, times=2)
    assert retrying.chat_postMessage(channel="C111", text="after two 429s")["ok"]
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 429, 200]

    fake_slack.rate_limit_next("chat.postMessage", retry_after=7)
    error = api_error(lambda: client_for(fake_slack).chat_postMessage(channel="C111", text="x"))
    assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "7")
    assert error.response["error"] == "ratelimited"


def test_server_errors_and_slow_answers(fake_slack):
    fake_slack.server_error_next("users.info", status=503)
    error = api_error(lambda: client_for(fake_slack).users_info(user="UBOT"))
    assert error.response.status_code == 503

    fake_slack.slow("auth.test", 0.3)
    impatient = WebClient(token="xoxb-test", base_url=fake_slack.base_url, timeout=0.1, retry_handlers=[])
    with pytest.raises(TimeoutError):
        impatient.auth_test()


def test_tokens_and_unknown_methods(fake_slack):
    bad = api_error(lambda: WebClient(token="xoxb-wrong", base_url=fake_slack.base_url).auth_test())
    absent = api_error(lambda: WebClient(base_url=fake_slack.base_url).auth_test())
    unknown = api_error(lambda: client_for(fake_slack).api_call("crm.doesNotExist"))
    ok = client_for(fake_slack).auth_test()

    assert (bad.response["error"], absent.response["error"]) == ("invalid_auth", "not_authed")
    assert unknown.response["error"] == "unknown_method"
    assert (ok["team_id"], ok["user_id"], ok["bot_id"]) == ("T111", "UBOT", "BBOT")
    assert "chat:write" in ok.headers["X-OAuth-Scopes"]


def test_bot_must_be_invited_to_post(fake_slack, slack_client):
    fake_slack.add_channel("C222", name="sales", bot_is_member=False)
    error = api_error(lambda: slack_client.chat_postMessage(channel="C222", text="x"))
    assert error.response["error"] == "not_in_channel"
    strict = FakeSlack(strict_channels=True).start()
    try:
        missing = api_error(lambda: client_for(strict).chat_postMessage(channel="C333", text="x"))
    finally:
        strict.stop()
    assert missing.response["error"] == "channel_not_found"


# ----- users, DMs, pacing -------------------------------------------------------------------------------


def test_users_info_reports_the_configured_time_zone(fake_slack, slack_client):
    fake_slack.add_user("U111", real_name="Li Wei", display_name="wei", tz="Asia/Shanghai", locale="zh-CN")
    user = slack_client.users_info(user="U111")["user"]
    with_locale = slack_client.users_info(user="U111", include_locale=True)["user"]
    missing = api_error(lambda: slack_client.users_info(user="U404"))

    assert (user["tz"], user["tz_offset"], user["profile"]["display_name"]) == (
        "Asia/Shanghai",
        8 * 3600,
        "wei",
    )
    assert "locale" not in user and with_locale["locale"] == "zh-CN"
    assert missing.response["error"] == "user_not_found"


def test_dm_via_conversations_open_or_user_id_lands_in_the_same_channel(fake_slack, slack_client):
    fake_slack.add_user("U111")
    dm = slack_client.conversations_open(users="U111")["channel"]["id"]
    by_user_id = slack_client.chat_postMessage(channel="U111", text="Reminder: call Acme")

    assert dm == "DU111" and by_user_id["channel"] == dm
    assert [m.text for m in fake_slack.messages(dm)] == ["Reminder: call Acme"]
    assert (
        api_error(lambda: slack_client.conversations_open(users="U404")).response["error"] == "user_not_found"
    )


def test_post_times_expose_per_channel_pacing(clocked_slack, clock):
    client = client_for(clocked_slack)
    for _ in range(3):
        client.chat_postMessage(channel="C111", text="digest part")
        clock.advance(1.0)
    client.chat_postMessage(channel="C222", text="elsewhere")
    assert clocked_slack.post_times("C111") == [clock.now - 3, clock.now - 2, clock.now - 1]


def test_wait_for_names_what_arrived_when_it_times_out(fake_slack, slack_client):
    slack_client.auth_test()
    with pytest.raises(SlackCallTimeout, match=r"chat.postMessage.*auth.test->ok"):
        fake_slack.wait_for("chat.postMessage", timeout=0.05)
    fake_slack.reset()
    assert fake_slack.calls() == []


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


def modal(title: str = "Log follow-up", **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [SECTION], **extra}


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


# ----- inbound requests: signing and a real Bolt app ----------------------------------------------------


def test_sign_produces_headers_slack_sdk_accepts_within_five_minutes():
    body = inbound.slash_command("find acme")
    headers = inbound.sign(body, SECRET, timestamp=1_750_000_000)

    class At:
        def __init__(self, now: float) -> None:
            self.value = now

        def now(self) -> float:
            return self.value

    timestamp, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert SignatureVerifier(SECRET, clock=At(1_750_000_299)).is_valid(body, timestamp, signature)
    assert not SignatureVerifier(SECRET, clock=At(1_750_000_301)).is_valid(body, timestamp, signature)
    assert not SignatureVerifier("other-secret", clock=At(1_750_000_000)).is_valid(body, timestamp, signature)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def retries() -> list[str]:
    """``X-Slack-Retry-Num`` of every request the Bolt app saw ("-" when absent)."""
    return []


@pytest.fixture
def bolt_url(fake_slack, retries) -> Iterator[str]:
    """A real Bolt app on 127.0.0.1 whose WebClient points at the fake."""
    app = App(client=client_for(fake_slack), signing_secret=SECRET)

    @app.command("/crm")
    def crm(ack, command, respond, client):
        ack(f"Looking up {command['text']}…")
        respond(text=f"Found: {command['text']}")
        client.views_open(trigger_id=command["trigger_id"], view=modal(callback_id="followup"))

    @app.middleware
    def note_retries(request, next):
        retries.append(request.headers.get("x-slack-retry-num", ["-"])[0])
        next()

    @app.action("log_followup")
    def log_followup(ack, body, client):
        ack()
        client.views_open(
            trigger_id=body["trigger_id"], view=modal(private_metadata=body["actions"][0]["value"])
        )

    @app.view("followup")
    def followup(ack, view):
        note = view["state"]["values"]["note"]["text"]["value"]
        if len(note) < 3:
            ack(response_action="errors", errors={"note": "Too short"})
        else:
            ack()

    @app.event("app_mention")
    def mention(event):
        pass  # registered so Bolt answers 200 instead of 404 (which Slack would retry)

    @app.event("app_home_opened")
    def home(event, client):
        if event["tab"] == "home":
            client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [SECTION]})

    @app.event("message")
    def message(event, say):
        if event.get("thread_ts"):
            say(text="Noted on the card", thread_ts=event["thread_ts"])

    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/slack/events"
    server.shutdown()
    server.server_close()


def test_bolt_slash_command_end_to_end(fake_slack, bolt_url):
    fake_slack.expire_triggers_after(3.0)
    body = inbound.slash_command(
        "acme", response_url=fake_slack.hooks_url("crm-1"), trigger_id=fake_slack.issue_trigger_id()
    )
    answer = inbound.post_signed(bolt_url, body, inbound.FORM, SECRET)

    assert (answer.status, answer.body) == (200, "Looking up acme…")
    opened = fake_slack.wait_for("views.open")[0]
    assert opened.ok and opened.params["team_id"] == "T111"  # Bolt's per-request client adds team_id
    responded = fake_slack.wait_for("response_url")[0]
    assert (responded.params["hook_id"], responded.params["text"]) == ("crm-1", "Found: acme")
    assert len(fake_slack.calls("auth.test")) == 1  # once, at App() construction
    assert inbound.post_signed(bolt_url, body, inbound.FORM, "wrong-secret").status == 401


def test_bolt_view_submission_and_events_end_to_end(fake_slack, bolt_url):
    short = inbound.view_submission("followup", {"note": {"text": "ok"}}, private_metadata="customer:42")
    rejected = inbound.post_signed(bolt_url, short, inbound.FORM, SECRET)
    assert json.loads(rejected.body) == {"response_action": "errors", "errors": {"note": "Too short"}}

    fake_slack.add_user("U111")
    home = inbound.event_callback(inbound.app_home_opened_event("U111"))
    assert inbound.post_signed(bolt_url, home, inbound.JSON, SECRET).status == 200
    fake_slack.wait_for("views.publish")
    assert fake_slack.home_view("U111") is not None

    card = client_for(fake_slack).chat_postMessage(channel="C111", text="card")["ts"]
    reply = inbound.event_callback(inbound.message_event("called them", "U111", "C111", thread_ts=card))
    inbound.post_signed(bolt_url, reply, inbound.JSON, SECRET, retry_num=None)
    fake_slack.wait_for("chat.postMessage", n=2)
    assert [m.text for m in fake_slack.thread("C111", card)] == ["Noted on the card"]


def test_bolt_button_click_url_verification_and_retry_headers(fake_slack, bolt_url, retries):
    card = client_for(fake_slack).chat_postMessage(channel="C111", text="card")["message"]
    click = inbound.block_actions(
        "log_followup", "customer:42", message=card, trigger_id=fake_slack.issue_trigger_id()
    )
    assert inbound.post_signed(bolt_url, click, inbound.FORM, SECRET).status == 200
    opened = fake_slack.wait_for("views.open")[0]
    assert opened.ok and opened.params["view"]["private_metadata"] == "customer:42"

    challenge = inbound.post_signed(bolt_url, inbound.url_verification("abc123"), inbound.JSON, SECRET)
    assert json.loads(challenge.body) == {"challenge": "abc123"}
    mention = inbound.event_callback(inbound.app_mention_event("<@UBOT> hi"), event_id="Ev1")
    assert inbound.post_signed(bolt_url, mention, inbound.JSON, SECRET, retry_num=1).status == 200
    assert retries == ["-", "1"]  # url_verification is answered by Bolt before custom middleware runs
