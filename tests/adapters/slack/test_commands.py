"""`/crm` end to end: signed slash commands over real HTTP to crmbot as `crmbot run` starts it."""

from __future__ import annotations

import threading
import time
from urllib.request import ProxyHandler, build_opener

import pytest

from bot.commands.spec import CommandSpec
from bot.messages import Reply
from bot.render import Markdown
from tests.adapters.slack.conftest import ALICE, BOB, CAROL, CHANNEL, SECRET, payload_text
from tests.emulators import slack_requests as inbound
from tests.emulators.slack_blocks import validate_message_blocks
from tests.emulators.slack_requests import JSON


def test_commands_in_english_and_chinese_answer_only_the_asker_with_a_valid_card(slack):
    result, hook = slack.command("new Acme Trading phone:13800138000")
    assert (result.status, result.body) == (200, "")

    created = slack.answers(hook)[0]
    assert created["response_type"] == "ephemeral"
    assert created["text"] == "Created customer *Acme Trading* (#1)."
    assert validate_message_blocks(created["blocks"]) == []
    assert {"type": "header", "text": {"type": "plain_text", "text": "Acme Trading", "emoji": True}} in created["blocks"]
    assert "+8613800138000" in payload_text(created["blocks"])  # the asker sees the details
    buttons = [b for b in created["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Log follow-up", "⟦log?customer=1⟧"), ("Done", "⟦done?customer=1⟧"), ("Snooze", "⟦snooze?customer=1⟧"),
        ("Details", "⟦followups?customer=1⟧")]  # action ids and arguments, never command text

    _, hook = slack.command("新建 阿里巴巴 电话:13900139000", user=BOB)
    chinese = slack.answers(hook)[0]
    assert chinese["text"] == "已创建客户 *阿里巴巴*（#2）。" and chinese["response_type"] == "ephemeral"
    assert [b for b in chinese["blocks"] if b["type"] == "actions"][0]["elements"][0]["text"]["text"] == "记录跟进"

    # Nothing was posted for the channel to see.
    assert slack.fake.calls("chat.postMessage") == []


def test_users_are_created_with_their_slack_name_and_zone_once(slack):
    slack.answers(slack.command("new Acme")[1])
    slack.answers(slack.command("find acme")[1])
    assert len(slack.fake.calls("users.info")) == 1  # cached after the first use
    _, hook = slack.command("show Acme")
    assert "*Owner*\\nAlice Chen" in payload_text(slack.answers(hook)[0]["blocks"])


def test_mentions_in_command_text_name_users(slack):
    slack.answers(slack.command("new Acme")[1])
    slack.answers(slack.command("help", user=BOB)[1])  # Bob is known once he has used the bot
    _, hook = slack.command("assign Acme <@U222|bob>")  # how Slack sends a mention with should_escape
    assert slack.answers(hook)[0]["text"] != ""
    _, hook = slack.command("show Acme", user=BOB)
    assert "*Owner*\\nBob Li" in payload_text(slack.answers(hook)[0]["blocks"])


def test_bad_or_stale_signatures_are_refused_and_run_nothing(slack):
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    body = inbound.slash_command("new Intruder Ltd", response_url=hook)
    assert inbound.post_signed(slack.url, body, inbound.FORM, "not-the-secret").status == 401
    assert slack.post(body, timestamp=int(time.time()) - 301).status == 401
    assert slack.post(body, timestamp=int(time.time()) - 299).status == 200  # inside the 5-minute window
    assert len(slack.answers(hook)) == 1  # only the correctly signed, fresh request ran


def test_a_slow_command_is_acknowledged_at_once_and_answered_later(slack):
    gate = threading.Event()

    def slow(ctx, cmd):
        gate.wait(10)
        return Reply(text=Markdown("done slowly"))

    slack.runtime.bot.registry.add(CommandSpec(name="slowpoke", aliases=(), summary={"en": "x", "zh": "x"},
                                               handler=slow))
    result, hook = slack.command("slowpoke")
    try:
        assert result.status == 200 and result.elapsed_s < 1.0
        assert slack.fake.hook_posts(hook) == []
    finally:
        gate.set()
    assert slack.answers(hook)[0]["text"] == "done slowly"


def test_user_text_can_ping_and_link_nobody(slack):
    # What Slack sends when someone types `new <!channel>` and a name with a disguised link.
    _, hook = slack.command("new &lt;!channel&gt; industry:&lt;https://evil.example|bank&gt;")
    answer = slack.answers(hook)[0]
    assert slack.customer("<!channel>").industry == "<https://evil.example|bank>"
    everything = payload_text(answer)
    assert "<!channel>" not in everything and "<https://evil.example|bank>" not in everything
    assert "&lt;!channel&gt;" in everything and "&lt;https://evil.example|bank&gt;" in everything
    assert validate_message_blocks(answer["blocks"]) == []

    _, hook = slack.command("share #1")
    slack.drain()
    posted = slack.fake.calls("chat.postMessage")[0].params
    assert "<!channel>" not in payload_text(posted) and posted["blocks"][0]["text"]["text"] == "&lt;!channel&gt;"


def test_long_answers_are_paged_within_block_kit_limits_not_rejected(slack):
    line = "x" * 90
    long_text = Markdown("\n".join(f"- {i:04d} {line}" for i in range(300)))  # ~29k characters
    huge_text = Markdown("\n".join(f"- {i:04d} {line}" for i in range(2000)))  # ~190k characters

    slack.runtime.bot.registry.add(CommandSpec(name="essay", aliases=(), summary={"en": "x", "zh": "x"},
                                               handler=lambda ctx, cmd: Reply(text=long_text)))
    slack.runtime.bot.registry.add(CommandSpec(name="tome", aliases=(), summary={"en": "x", "zh": "x"},
                                               handler=lambda ctx, cmd: Reply(text=huge_text)))
    _, hook = slack.command("essay")
    slack.fake.wait_for("response_url", 3)
    slack.drain()
    posts = slack.fake.hook_posts(hook)
    assert len(posts) == 3 and all(p.status == 200 for p in posts)  # three messages, all accepted
    assert all(len(p.body["blocks"]) <= 50 and validate_message_blocks(p.body["blocks"]) == [] for p in posts)
    sections = [b["text"]["text"] for p in posts for b in p.body["blocks"]]
    assert all(len(text) <= 3000 for text in sections)
    assert all(sum(len(b["text"]["text"]) for b in p.body["blocks"]) <= 12_000 for p in posts)
    assert "• 0000 " in sections[0] and "• 0299 " in sections[-1]  # nothing lost between pages

    _, hook = slack.command("tome")
    slack.fake.wait_for("response_url", 7)
    slack.drain()
    posts = slack.fake.hook_posts(hook)
    assert len(posts) == 4 and all(p.status == 200 for p in posts)  # at most four, the last says so
    assert "Too long for one message" in posts[-1].body["blocks"][-1]["text"]["text"]


def test_workspaces_do_not_see_each_others_customers(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=CAROL)
    slack.post(inbound.slash_command("find acme", user_id=CAROL, team_id="T999", response_url=hook))
    assert slack.answers(hook)[0]["text"] == 'Nothing found for "acme".'


def test_health_endpoint_and_url_verification(slack):
    opener = build_opener(ProxyHandler({}))
    with opener.open(f"{slack.service.url}/healthz", timeout=5) as response:
        assert (response.status, response.read()) == (200, b'{"status": "ok"}')
    verified = slack.post(inbound.url_verification("abc123"), JSON)
    assert verified.status == 200 and '"challenge": "abc123"' in verified.body.replace('":"', '": "')


def test_metrics_count_handled_commands(slack):
    opener = build_opener(ProxyHandler({}))

    def commands_total() -> int:
        with opener.open(f"{slack.service.url}/metrics", timeout=5) as response:
            lines = response.read().decode().splitlines()
        return int(next(line.split()[1] for line in lines if line.startswith("crmbot_commands_total ")))

    before = commands_total()
    slack.answers(slack.command("help")[1])
    assert commands_total() == before + 1


def test_metrics_are_for_this_machine_or_the_bearer_of_the_metrics_token():
    from adapters.slack.server import metrics_allowed

    assert metrics_allowed({"REMOTE_ADDR": "127.0.0.1"}, None) and metrics_allowed({"REMOTE_ADDR": "::1"}, None)
    assert not metrics_allowed({"REMOTE_ADDR": "203.0.113.9"}, None)  # a public server does not publish them
    with_token = {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer s3cret-metrics"}
    assert metrics_allowed(with_token, "s3cret-metrics")
    assert not metrics_allowed({**with_token, "HTTP_AUTHORIZATION": "Bearer guess"}, "s3cret-metrics")
    assert not metrics_allowed({"REMOTE_ADDR": "127.0.0.1"}, "s3cret-metrics")  # the token, when set, always


def test_metrics_over_http_need_the_token_once_one_is_configured(slack):
    from urllib.error import HTTPError
    from urllib.request import Request

    from adapters.slack.server import HttpServer, make_wsgi_app

    opener = build_opener(ProxyHandler({}))
    server = HttpServer(make_wsgi_app(slack.service.app, lambda: True, signing_secret=SECRET,
                                      metrics_token="s3cret-metrics"), host="127.0.0.1", port=0)
    server.start()
    try:
        with pytest.raises(HTTPError) as refused:
            opener.open(f"{server.url}/metrics", timeout=5)
        assert refused.value.code == 403
        request = Request(f"{server.url}/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        with opener.open(request, timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()


def test_unknown_commands_and_empty_text_get_help_not_silence(slack):
    _, hook = slack.command("frobnicate Acme")
    assert 'I don\'t know the command "frobnicate"' in slack.answers(hook)[0]["text"]
    _, hook = slack.command("")
    assert "help" in slack.answers(hook)[0]["text"]


def test_every_command_answers_within_three_seconds(slack):
    slack.answers(slack.command("new Acme")[1])
    for text in ("find acme", "show Acme", "log Acme called next:friday send quote", "today", "help log", "今天"):
        result, hook = slack.command(text)
        assert result.status == 200 and result.elapsed_s < 3
        answer = slack.answers(hook)[0]
        assert answer["response_type"] == "ephemeral" and answer["text"].strip()


def test_text_that_looks_like_protocol_fields_is_just_text(slack):
    slack.answers(slack.command("new Acme")[1])
    result, hook = slack.command("log Acme sent the payload spec & token=abc response_url=x 😀")
    assert result.status == 200
    assert slack.answers(hook)[0]["text"] == "Logged a note for *Acme*."
    _, hook = slack.command("show Acme")
    assert "sent the payload spec &amp; token=abc response_url=x 😀" in payload_text(slack.answers(hook)[0])
