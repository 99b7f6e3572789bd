"""The adapter under DingTalk's rough edges, with the real SDK: expired webhooks, slow commands next to pings,
disconnects, the SDK's 10 s backoff at shutdown, and configuration that must win over the SDK's globals."""

from __future__ import annotations

import threading
import time
from typing import Any

import dingtalk_stream.stream
import dingtalk_stream.utils
import pytest

from adapters.bootstrap import Runtime
from adapters.dingtalk.sender import BATCH_SEND_PATH, GROUP_SEND_PATH, DingTalkSender
from adapters.dingtalk.service import DingTalkService
from adapters.services import platform_services
from bot.messages import Incoming, Reply
from tests.adapters.dingtalk.conftest import FAST_OPTIONS
from tests.adapters.dingtalk.test_conversations import ask
from tests.emulators.dingtalk import DingTalkEmulator

ACK_BUDGET_S = 0.5


def test_an_expired_session_webhook_falls_back_to_a_1_to_1_send(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    pushed = dingtalk_emulator.send_bot_message("新建 阿里巴巴 电话:13900139000", session_ttl=0)
    [call] = dingtalk_emulator.wait_for_api_call(BATCH_SEND_PATH)
    assert call["body"]["userIds"] == ["rep001"] and call["body"]["msgKey"] == "sampleMarkdown"
    [message] = dingtalk_emulator.wait_for(lambda: dingtalk_emulator.robot_messages, 5, "the 1:1 message")
    assert message["msgParam"]["title"].startswith("已创建客户 阿里巴巴")
    assert "+8613900139000" in message["msgParam"]["text"]  # the asker's own DM shows the whole card
    assert not [c for c in dingtalk_emulator.api_calls if c["path"] == "/robot/sendBySession"]
    assert pushed["ack"]["code"] == 200


def test_a_webhook_dingtalk_says_is_expired_falls_back_to_a_group_send(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    payload = dingtalk_emulator.build_bot_message("新建 腾讯 电话:13800138000", conversation_type="2")
    dingtalk_emulator.expire_session(payload["sessionWebhook"])  # the payload still claims 90 minutes
    dingtalk_emulator.send_bot_message(data=payload)
    [call] = dingtalk_emulator.wait_for_api_call(GROUP_SEND_PATH)
    assert call["body"]["openConversationId"] == payload["conversationId"]
    [message] = dingtalk_emulator.wait_for(lambda: dingtalk_emulator.robot_messages, 5, "the group message")
    assert "腾讯" in message["msgParam"]["text"] and "13800138000" not in message["msgParam"]["text"]
    assert [c["path"] for c in dingtalk_emulator.api_calls].count("/robot/sendBySession") == 1


def test_an_unreachable_session_webhook_falls_back_to_a_1_to_1_send(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    payload = dingtalk_emulator.build_bot_message("帮助")
    payload["sessionWebhook"] = "http://127.0.0.1:9/robot/sendBySession?session=gone"  # nothing listens there
    dingtalk_emulator.send_bot_message(data=payload)
    [message] = dingtalk_emulator.wait_for(lambda: dingtalk_emulator.robot_messages, 5, "the 1:1 message")
    assert message["userIds"] == ["rep001"] and "新建" in message["msgParam"]["text"]


def test_a_slow_command_delays_neither_acks_nor_pings_nor_other_people(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = dingtalk_service.runtime.bot
    release, slow_started = threading.Event(), threading.Event()
    handle = bot.handle

    def slow_reports(incoming: Incoming) -> list[Reply]:
        if incoming.text.startswith("查找"):
            slow_started.set()
            release.wait(10)  # a command stuck on a slow query, until the test lets it go
        return handle(incoming)

    monkeypatch.setattr(bot, "handle", slow_reports)
    try:
        began = time.monotonic()
        slow = dingtalk_emulator.send_bot_message("查找 阿里", sender_staff_id="rep001")
        assert time.monotonic() - began < ACK_BUDGET_S and slow["ack"]["code"] == 200
        assert slow_started.wait(5)

        began = time.monotonic()
        ping = dingtalk_emulator.send_ping()
        assert time.monotonic() - began < ACK_BUDGET_S
        assert ping["ackData"] == ping["data"]  # the opaque echoed

        began = time.monotonic()
        same_user = dingtalk_emulator.send_bot_message("帮助", sender_staff_id="rep001")
        assert time.monotonic() - began < ACK_BUDGET_S
        other = ask(dingtalk_emulator, "帮助", sender_staff_id="rep002", sender_nick="李四")
        assert other["msgtype"] == "markdown"
        answered = {r["msgId"] for r in dingtalk_emulator.session_replies}
        assert slow["data"]["msgId"] not in answered
        assert same_user["data"]["msgId"] not in answered  # waits its turn behind the same user's command
    finally:
        release.set()
    replies = dingtalk_emulator.wait_for_session_replies(3)
    order = [r["msgId"] for r in replies]
    assert order.index(slow["data"]["msgId"]) < order.index(same_user["data"]["msgId"])


def test_a_disconnect_is_survived_on_a_new_socket(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    first = dingtalk_emulator.wait_for_connections(1)[0]
    dingtalk_emulator.send_disconnect("gateway maintenance")
    dingtalk_emulator.wait_for_total_connections(2)
    [second] = dingtalk_emulator.wait_for_connections(1)
    assert second.id != first.id
    body = ask(dingtalk_emulator, "新建 阿里巴巴")
    assert body["markdown"]["title"].startswith("已创建客户")
    assert dingtalk_emulator.frames_sent[-1]["connectionId"] == second.id
    assert len(dingtalk_emulator.open_requests) == 2  # a fresh ticket for the new socket


def test_stop_takes_under_two_seconds_even_during_the_sdks_10_s_backoff(
    runtime: Runtime, dingtalk_emulator: DingTalkEmulator
) -> None:
    service = DingTalkService(runtime, options=FAST_OPTIONS)
    service.start()
    dingtalk_emulator.wait_for_connections(1, timeout=10)
    dingtalk_emulator.kill_connection(1011)  # 0.24.3 now sleeps 10 s and swallows the first cancel
    dingtalk_emulator.wait_for(lambda: all(c.closed for c in dingtalk_emulator.connections), 5, "the close")
    began = time.monotonic()
    service.stop()
    assert time.monotonic() - began < 2.0
    assert service.runner is not None and not service.runner.running


def test_configured_endpoint_wins_over_the_sdks_import_time_copy(
    runtime: Runtime, dingtalk_emulator: DingTalkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = "http://127.0.0.1:9"
    monkeypatch.setenv("DINGTALK_OPENAPI_ENDPOINT", dead)
    monkeypatch.setattr(dingtalk_stream.utils, "DINGTALK_OPENAPI_ENDPOINT", dead)
    monkeypatch.setattr(dingtalk_stream.stream, "DINGTALK_OPENAPI_ENDPOINT", dead)
    monkeypatch.setattr(dingtalk_stream.stream.DingTalkStreamClient, "OPEN_CONNECTION_API",
                        dead + "/v1.0/gateway/connections/open")
    service = DingTalkService(runtime, options=FAST_OPTIONS)
    service.start()
    try:
        dingtalk_emulator.wait_for_connections(1, timeout=10)
        assert dingtalk_emulator.base_url == dingtalk_stream.utils.DINGTALK_OPENAPI_ENDPOINT
    finally:
        service.stop()


def test_crmbot_run_builds_the_dingtalk_service_and_registers_its_sender(runtime: Runtime) -> None:
    services = platform_services(runtime)
    dingtalk = [s for s in services if s.name == "dingtalk"]
    assert len(dingtalk) == 1 and dingtalk[0].is_platform
    assert isinstance(runtime.senders["dingtalk"], DingTalkSender)


def test_nothing_starts_without_credentials(runtime: Runtime, settings: Any) -> None:
    runtime.settings = settings  # no DINGTALK_CLIENT_ID / SECRET
    assert [s for s in platform_services(runtime) if s.name == "dingtalk"] == []


@pytest.mark.slow
def test_an_abnormal_close_is_survived_after_the_sdks_backoff(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    dingtalk_emulator.kill_connection(1011)
    dingtalk_emulator.wait_for_total_connections(2, timeout=15)  # 0.24.3 waits 10 s, 0.24.4b1 about 2 s
    dingtalk_emulator.wait_for_connections(1)
    assert ask(dingtalk_emulator, "帮助")["msgtype"] == "markdown"
