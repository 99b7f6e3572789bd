"""How `crmbot run` finds and runs the Slack service: configuration, the sender, startup, Socket Mode."""

from __future__ import annotations

import json
import queue
import re
import threading
from pathlib import Path
from urllib.error import URLError
from urllib.request import ProxyHandler, build_opener

import pytest
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from websockets.sync.server import ServerConnection, serve

from adapters.bootstrap import bootstrap
from adapters.services import platform_services, web_service
from adapters.slack.app import SlackStartupError
from adapters.slack.listeners.messages import SLASH_COMMAND
from adapters.slack.sender import SlackSender
from adapters.slack.service import SlackService
from config.settings import load_settings
from tests.adapters.slack.conftest import ALICE, CHANNEL, SECRET
from tests.emulators import slack_requests as inbound
from tests.emulators.slack import DEFAULT_TOKEN

MANIFEST = Path(__file__).parents[3] / "adapters" / "slack" / "manifest.yaml"


def runtime_with(database_url, tmp_path, clock, **slack):
    settings = load_settings(database_url=database_url, data_dir=tmp_path / "data", http_port=0, **slack)
    return bootstrap(settings, clock=clock)


def test_slack_starts_only_when_configured_and_registers_its_sender_at_once(fake_slack, database_url, tmp_path, clock):
    plain = runtime_with(database_url, tmp_path, clock)
    assert not any(isinstance(s, SlackService) for s in platform_services(plain))

    runtime = runtime_with(database_url, tmp_path, clock, slack_bot_token=DEFAULT_TOKEN,
                           slack_signing_secret=SECRET, slack_api_url=fake_slack.base_url)
    [service] = [s for s in platform_services(runtime) if isinstance(s, SlackService)]
    assert isinstance(runtime.senders["slack"], SlackSender)  # the scheduler can push before start()
    assert fake_slack.calls() == []  # nothing reached Slack yet
    service.start()
    url = service.url
    service.stop()
    with pytest.raises(URLError):
        build_opener(ProxyHandler({})).open(f"{url}/healthz", timeout=2)
    assert [c.method for c in fake_slack.calls()] == ["auth.test"]  # once; Bolt reuses the answer


def test_a_refused_token_stops_startup_with_a_clear_error(fake_slack, database_url, tmp_path, clock):
    runtime = runtime_with(database_url, tmp_path, clock, slack_bot_token="xoxb-wrong",
                           slack_signing_secret=SECRET, slack_api_url=fake_slack.base_url)
    service = SlackService(runtime)
    with pytest.raises(SlackStartupError, match=r"auth.test at http://127\.0\.0\.1:\d+/api/ failed: invalid_auth \(check SLACK_BOT_TOKEN\)"):
        service.start()


def test_socket_mode_asks_slack_api_url_for_the_websocket_and_answers_over_it(
    fake_slack, database_url, tmp_path, clock, monkeypatch
):
    fake_slack.add_user(ALICE, real_name="Alice Chen")
    acks: queue.Queue[dict] = queue.Queue()
    hook = fake_slack.hooks_url(channel=CHANNEL, user_id=ALICE)

    def slack_side(connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A111"}}))
        command = dict(re.findall(r"([^&=]+)=([^&]*)", inbound.slash_command("help", response_url=hook)))
        command.update(text="help", command="/crm", response_url=hook)
        connection.send(json.dumps({"envelope_id": "env-1", "type": "slash_commands", "payload": command,
                                    "accepts_response_payload": True}))
        acks.put(json.loads(connection.recv(timeout=5)))
        for _ in connection:  # keep the socket open until the client leaves
            pass

    with serve(slack_side, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ws_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
        opened: list[str] = []
        real_issue = SocketModeClient.issue_new_wss_url

        def issue(client: SocketModeClient) -> str:
            try:
                real_issue(client)  # goes to SLACK_API_URL; the emulator does not serve Socket Mode URLs
            except Exception as exc:
                opened.append(str(exc))
            return ws_url

        monkeypatch.setattr(SocketModeClient, "issue_new_wss_url", issue)
        runtime = runtime_with(database_url, tmp_path, clock, slack_bot_token=DEFAULT_TOKEN,
                               slack_app_token="xapp-1-test", slack_api_url=fake_slack.base_url)
        [service] = [s for s in platform_services(runtime) if isinstance(s, SlackService)]
        assert service.mode == "socket"
        service.start()
        try:
            assert acks.get(timeout=5) == {"envelope_id": "env-1"}
            fake_slack.wait_for("response_url")
            assert service.adapter is not None and service.adapter.drain(5)
            # No Slack URL in Socket Mode, but the health endpoint answers (the web server carries it).
            web = web_service(runtime, [service])
            assert web is not None
            web.start()
            try:
                with build_opener(ProxyHandler({})).open(f"{web.url}/healthz", timeout=5) as health:
                    assert (health.status, health.read()) == (200, b'{"status": "ok"}')
            finally:
                web.stop()
        finally:
            service.stop()  # ~3 s: slack_sdk's plain-socket test path reads with a 3 s timeout
            server.shutdown()
    [asked] = fake_slack.calls("apps.connections.open")
    assert asked.token == "xapp-1-test" and opened  # the app token went to SLACK_API_URL
    assert "crmbot" in fake_slack.hook_posts(hook)[0].body["text"]


def _manifest_list(text: str, key: str) -> list[str]:
    block = re.search(rf"^\s*{key}:\n((?:\s+- .*\n)+)", text, re.MULTILINE)
    assert block, f"{key} missing from the manifest"
    return [line.split("- ", 1)[1].split("#")[0].strip() for line in block.group(1).splitlines()]


def test_the_manifest_declares_what_the_app_listens_for_and_needs():
    text = MANIFEST.read_text(encoding="utf-8")
    assert f"command: {SLASH_COMMAND}" in text and "should_escape: true" in text
    assert "home_tab_enabled: true" in text and "is_enabled: true" in text
    urls = set(re.findall(r"url: (\S+)", text))
    assert urls == {"https://crm.example.com/slack/events"}
    events = _manifest_list(text, "bot_events")
    assert {"app_home_opened", "app_mention", "message.im", "message.channels", "message.groups"} <= set(events)
    scopes = set(_manifest_list(text, "bot"))
    assert {"commands", "chat:write", "im:write", "im:history", "channels:history", "groups:history",
            "app_mentions:read", "reactions:write", "users:read", "users:read.email", "links:read",
            "links:write"} == scopes
    assert {"link_shared", "app_uninstalled", "tokens_revoked"} <= set(events)
    assert "callback_id: crm_log_message" in text and "type: message" in text  # the message shortcut
