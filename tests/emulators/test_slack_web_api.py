"""The fake Slack's Web API driven by the real slack_sdk ``WebClient``: messages, threads, blocks
validation, metadata, reactions, history, injected failures, auth, membership, users and DMs.

Every assertion is about something a Slack-facing caller would observe: the response, the raised
``SlackApiError``, the HTTP status, or the workspace state the fake exposes afterwards.
"""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from tests.emulators.slack import FakeSlack
from tests.emulators.slack_recording import SlackCallTimeout
from tests.emulators.slack_testing import SECTION, api_error, client_for

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
    impatient = WebClient(token="xoxb-test", base_url=fake_slack.base_url, timeout=0.1, retry_handlers=[])  # type: ignore[arg-type]  # typed int, takes float
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


# ----- users, DMs, wait_for -----------------------------------------------------------------------------


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


def test_wait_for_names_what_arrived_when_it_times_out(fake_slack, slack_client):
    slack_client.auth_test()
    with pytest.raises(SlackCallTimeout, match=r"chat.postMessage.*auth.test->ok"):
        fake_slack.wait_for("chat.postMessage", timeout=0.05)
    fake_slack.reset()
    assert fake_slack.calls() == []
