"""A real slack-bolt app served on 127.0.0.1 whose ``WebClient`` points at the fake Slack, driven by
signed inbound requests (slash commands, button clicks, view submissions, events, URL verification).

Every assertion is about something Slack or the Bolt app would observe: the HTTP answer to the signed
request, and the Web API calls and response_url posts the app makes against the fake.
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
from slack_sdk.signature import Clock, SignatureVerifier

from tests.emulators import slack_requests as inbound
from tests.emulators.slack_testing import SECTION, client_for, modal

SECRET = "test-signing-secret"


# ----- inbound requests: signing and a real Bolt app ----------------------------------------------------


def test_sign_produces_headers_slack_sdk_accepts_within_five_minutes():
    body = inbound.slash_command("find acme")
    headers = inbound.sign(body, SECRET, timestamp=1_750_000_000)

    class At(Clock):
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
