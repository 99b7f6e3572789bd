"""The DingTalk stream gateway driven by the real, unmodified `dingtalk_stream` 0.24.3 SDK (scenarios of B8).

Each test proves something the production adapter relies on: the handshake the SDK sends, the pushes it
receives (pings, messages, events, card callbacks), and that the emulator's connection fault knobs
(disconnect, kill, redelivery, lost ACKs, zombie sockets, ticket expiry) behave like DingTalk.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import dingtalk_stream
import pytest
import requests
import websockets.sync.client
from dingtalk_stream import CardReplier, ChatbotMessage
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.emulators.dingtalk import DingTalkEmulator, NoConnectionError
from tests.emulators.dingtalk_payloads import BOT_MESSAGE_TOPIC, CARD_CALLBACK_TOPIC
from tests.emulators.dingtalk_testing import CARD_UPDATE, ConnectedBot, connect_bot


@pytest.fixture
def bot(dingtalk_emulator: DingTalkEmulator) -> Iterator[ConnectedBot]:
    """A real SDK client subscribed to events, chat and card callbacks, connected to the emulator."""
    with connect_bot(dingtalk_emulator) as connected:
        yield connected


def bot_frames(emu: DingTalkEmulator) -> list[dict[str, Any]]:
    return [f for f in emu.frames_sent if f["frame"]["headers"]["topic"] == BOT_MESSAGE_TOPIC]


# ---- stream: handshake, ping, pushes --------------------------------------------------------------


def test_handshake_carries_credentials_all_subscriptions_and_sdk_identity(bot: ConnectedBot) -> None:
    emu = bot.emulator
    (opened,) = emu.open_requests
    assert opened["body"]["clientId"] == emu.config.client_id
    assert opened["body"]["clientSecret"] == emu.config.client_secret
    assert opened["body"]["subscriptions"] == [
        {"type": "EVENT", "topic": "*"},
        {"type": "CALLBACK", "topic": BOT_MESSAGE_TOPIC},
        {"type": "CALLBACK", "topic": CARD_CALLBACK_TOPIC},
    ]
    assert opened["body"]["ua"] == "dingtalk-sdk-python/v0.24.3-union"
    assert isinstance(opened["body"]["localIp"], str)  # "" when the host has no route at all
    assert opened["headers"]["user-agent"].startswith("DingTalkStream/1.0 SDK/0.24.3")
    assert os.environ["DINGTALK_OPENAPI_ENDPOINT"] == emu.base_url and "HTTPS_PROXY" not in os.environ
    assert emu.base_url == dingtalk_stream.chatbot.DINGTALK_OPENAPI_ENDPOINT
    (ticket,) = emu.tickets.values()
    (conn,) = emu.connections
    assert ticket.used and conn.id == ticket.connection_id and conn.subscriptions == opened["body"]["subscriptions"]


def test_ping_is_acked_with_same_message_id_and_opaque_echoed(bot: ConnectedBot) -> None:
    result = bot.emulator.send_ping()
    assert result["ack"]["code"] == 200
    assert result["ack"]["headers"]["messageId"] == result["messageId"] == result["frame"]["headers"]["messageId"]
    assert isinstance(result["ack"]["data"], str)
    assert result["ackData"] == {"opaque": result["data"]["opaque"]}


def test_group_message_is_acked_and_replies_go_to_session_webhook_at_sender(bot: ConnectedBot) -> None:
    emu = bot.emulator
    result = emu.send_bot_message("客户 阿里巴巴", conversation_type="2", sender_staff_id="rep007",
                                  conversation_title="华东销售群", at_staff_ids=["rep008"])
    assert isinstance(result["frame"]["data"], str) and json.loads(result["frame"]["data"]) == result["data"]
    assert result["ack"]["code"] == 200 and result["ackData"] == {"response": "OK"}
    (message,) = bot.chat.received
    assert message.text.content == " 客户 阿里巴巴"  # the @Robot is stripped, its trailing space is kept
    assert message.conversation_type == "2" and message.conversation_title == "华东销售群"
    assert message.is_in_at_list is True
    assert [(u.dingtalk_id == message.chatbot_user_id, u.staff_id) for u in message.at_users] == [
        (True, None), (False, "rep008")]
    text_reply, markdown_reply = emu.wait_for_session_replies(2)
    assert text_reply["body"] == {"msgtype": "text", "text": {"content": "收到:客户 阿里巴巴"},
                                  "at": {"atUserIds": ["rep007"]}}
    assert markdown_reply["body"] == {"msgtype": "markdown", "markdown": {"title": "客户卡片", "text": "### 客户 阿里巴巴"},
                                      "at": {"atUserIds": ["rep007"]}}
    assert text_reply["conversationId"] == result["data"]["conversationId"] == message.conversation_id


def test_direct_message_has_no_at_users_title_or_leading_space(bot: ConnectedBot) -> None:
    bot.emulator.send_bot_message("我的客户", conversation_type="1", sender_staff_id="rep001")
    (message,) = bot.chat.received
    assert (message.text.content, message.at_users, message.conversation_title) == ("我的客户", [], None)
    replies = bot.emulator.wait_for_session_replies(2)
    assert {r["conversationType"] for r in replies} == {"1"}


def test_richtext_and_audio_payloads_parse_in_the_sdk(bot: ConnectedBot) -> None:
    bot.emulator.send_bot_message("跟进 C42 已报价", msgtype="richText", conversation_type="2", with_picture=True)
    bot.emulator.send_bot_message("提醒 C42 明天9点", msgtype="audio")
    rich, audio = bot.chat.received
    assert rich.get_text_list() == ["@CRM助手", "跟进 C42 已报价"] and len(rich.get_image_list()) == 1
    assert audio.extensions["content"]["recognition"] == "提醒 C42 明天9点"  # SDK leaves audio in extensions


def test_downloadcode_from_a_message_resolves_through_the_sdk(bot: ConnectedBot) -> None:
    pushed = bot.emulator.send_bot_message("语音备忘", msgtype="audio")
    code = pushed["data"]["content"]["downloadCode"]
    url = bot.chat.get_image_download_url(code)
    assert url == f"{bot.emulator.base_url}/files/{code}"
    assert requests.get(url, timeout=5).content == f"emulated file {code}".encode()


def test_reset_forgets_records_but_keeps_the_connection(bot: ConnectedBot) -> None:
    emu = bot.emulator
    emu.send_bot_message("客户 阿里巴巴")
    emu.reset()
    assert (emu.frames_sent, emu.session_replies, emu.api_calls) == ([], [], [])
    assert emu.send_bot_message("客户 腾讯")["ack"]["code"] == 200 and len(emu.connections) == 1


@pytest.mark.parametrize("dingtalk_emulator", [{"ping_interval": 0.05}], indirect=True)
def test_periodic_system_pings_are_acked(bot: ConnectedBot) -> None:
    emu = bot.emulator
    acks = emu.wait_for(lambda: [f["frame"] for f in emu.frames_received][:2] if len(emu.frames_received) >= 2
                        else [], 3, "two ping ACKs")
    pings = {f["frame"]["headers"]["messageId"]: json.loads(f["frame"]["data"]) for f in emu.frames_sent}
    assert all(pings[a["headers"]["messageId"]] == json.loads(a["data"]) for a in acks)


def test_two_instances_share_pushes_randomly_or_last_wins(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    with connect_bot(emu) as first, connect_bot(emu) as second:
        for n in range(12):
            emu.send_bot_message(f"客户 {n}")
        assert len(first.chat.received) + len(second.chat.received) == 12
        assert first.chat.received and second.chat.received
        emu.config.routing = "last"
        emu.send_bot_message("客户 最后")
        assert second.chat.received[-1].text.content == "客户 最后"


def test_event_reaches_the_event_handler_with_event_headers(bot: ConnectedBot) -> None:
    result = bot.emulator.send_event("chat_update_title", {"chatId": "chat42", "title": "华东销售群"})
    assert result["ack"]["code"] == 200 and result["ack"]["message"] == "OK"
    (event,) = bot.events.events
    assert event.headers.event_type == "chat_update_title" and event.data["title"] == "华东销售群"
    assert event.headers.event_corp_id == bot.emulator.config.corp_id


def test_card_create_and_deliver_then_button_callback_updates_card(bot: ConnectedBot) -> None:
    emu = bot.emulator
    pushed = emu.send_bot_message("客户 阿里巴巴", conversation_type="2")
    incoming = ChatbotMessage.from_dict(pushed["data"])
    out_track_id = CardReplier(bot.client, incoming).create_and_deliver_card(
        "crm-customer.schema", {"customer": "阿里巴巴", "stage": "谈判"})
    card = emu.cards[out_track_id]
    assert card.template_id == "crm-customer.schema" and card.data == {"customer": "阿里巴巴", "stage": "谈判"}
    assert card.open_space_ids == [f"dtv1.card//IM_GROUP.{incoming.conversation_id}"]
    assert [c["path"] for c in emu.api_calls if c["method"] == "POST"][-2:] == [
        "/v1.0/oauth2/accessToken", "/v1.0/card/instances/createAndDeliver"]
    CardReplier(bot.client, incoming).put_card_data(out_track_id, {"stage": "赢单"},
                                                     cardUpdateOptions={"updateCardDataByKey": True})
    assert card.data == {"customer": "阿里巴巴", "stage": "赢单"} and len(card.updates) == 1

    click = emu.send_card_callback(out_track_id, "rep007", action_ids=["log_followup"],
                                   params={"customerId": "C42"}, space_id=incoming.conversation_id)
    assert click["ack"]["code"] == 200 and click["ackData"] == {"response": CARD_UPDATE}
    (parsed,) = bot.cards.clicks
    assert (parsed.card_instance_id, parsed.user_id) == (out_track_id, "rep007")
    assert parsed.content["cardPrivateData"] == {"actionIds": ["log_followup"], "params": {"customerId": "C42"}}


# ---- SDK access token -----------------------------------------------------------------------------


def test_sdk_access_token_is_accepted_and_cached(bot: ConnectedBot) -> None:
    token = bot.client.get_access_token()
    assert token in bot.emulator.tokens and bot.client.get_access_token() == token
    assert len([c for c in bot.emulator.api_calls if c["path"] == "/v1.0/oauth2/accessToken"]) == 1


# ---- connection lifecycle -------------------------------------------------------------------------


def test_system_disconnect_makes_sdk_reconnect_with_a_new_ticket(bot: ConnectedBot) -> None:
    emu = bot.emulator
    old = emu.connections[0]
    emu.send_disconnect("server upgrade")
    new = emu.wait_for_total_connections(2)[1]
    emu.wait_for(lambda: old.closed, 2, "the SDK to close the draining socket")
    assert [r["body"]["clientId"] for r in emu.open_requests] == [emu.config.client_id] * 2
    assert new.ticket != old.ticket and new.id != old.id
    disconnect_frame = emu.frames_sent[0]["frame"]
    assert disconnect_frame["headers"]["topic"] == "disconnect" and "messageId" not in disconnect_frame["headers"]
    result = emu.send_bot_message("客户 阿里巴巴")
    assert result["frame"]["headers"]["connectionId"] == new.id and result["ack"]["code"] == 200


def test_draining_connection_is_closed_after_the_grace(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    ticket = requests.post(f"{emu.base_url}/v1.0/gateway/connections/open", timeout=5, json={
        "clientId": emu.config.client_id, "clientSecret": emu.config.client_secret,
        "subscriptions": [{"type": "CALLBACK", "topic": BOT_MESSAGE_TOPIC}]}).json()["ticket"]
    with websockets.sync.client.connect(f"ws://127.0.0.1:{emu.port}/connect?ticket={ticket}") as ws:
        (conn,) = emu.wait_for_connections(1)
        emu.send_disconnect()
        assert json.loads(ws.recv(timeout=2))["headers"]["topic"] == "disconnect"
        with pytest.raises(NoConnectionError):  # draining: still open, but no longer routed to
            emu.send_bot_message("nobody listening")
        assert not conn.closed
        with pytest.raises(ConnectionClosed):  # this client ignores the disconnect; the server closes
            ws.recv(timeout=emu.config.disconnect_grace + 2)
    assert conn.close_code == 1000


def test_tickets_are_single_use_and_short_lived(bot: ConnectedBot) -> None:
    emu = bot.emulator
    used = emu.connections[0].ticket
    with pytest.raises(InvalidStatus) as reused:
        websockets.sync.client.connect(f"ws://127.0.0.1:{emu.port}/connect?ticket={used}")
    assert reused.value.response.status_code == 401
    fresh = requests.post(f"{emu.base_url}/v1.0/gateway/connections/open", json=emu.open_requests[0]["body"],
                          timeout=5).json()["ticket"]
    emu.advance_clock(emu.config.ticket_ttl + 1)
    with pytest.raises(InvalidStatus) as expired:
        websockets.sync.client.connect(f"ws://127.0.0.1:{emu.port}/connect?ticket={fresh}")
    assert expired.value.response.status_code == 401


def test_open_connection_rejects_bad_credentials(dingtalk_emulator: DingTalkEmulator) -> None:
    response = requests.post(f"{dingtalk_emulator.base_url}/v1.0/gateway/connections/open", timeout=5, json={
        "clientId": dingtalk_emulator.config.client_id, "clientSecret": "wrong",
        "subscriptions": [{"type": "CALLBACK", "topic": BOT_MESSAGE_TOPIC}]})
    assert response.status_code == 401 and dingtalk_emulator.tickets == {}


@pytest.mark.slow
def test_abnormal_close_1011_reconnects_within_15_seconds(bot: ConnectedBot) -> None:
    emu = bot.emulator
    started = time.monotonic()
    emu.kill_connection(1011)
    emu.wait_for_total_connections(2, timeout=15)  # 0.24.3 backs off 10 s after ConnectionClosedError
    assert emu.connections[0].close_code == 1011 and time.monotonic() - started < 15
    assert emu.send_bot_message("还在吗")["ack"]["code"] == 200


def test_stop_helper_ends_the_sdk_within_two_seconds(bot: ConnectedBot) -> None:
    assert bot.runner.stop() < 2.0
    bot.emulator.wait_for(lambda: bot.emulator.connections[0].closed, 2, "the socket to close")


# ---- redelivery, lost ACKs, zombie sockets --------------------------------------------------------


def test_unacked_message_is_redelivered_with_the_same_ids(bot: ConnectedBot) -> None:
    emu = bot.emulator
    emu.config.redeliver_after = 0.2
    bot.chat.crash_first = 1  # first delivery raises inside process -> the SDK sends no ACK
    result = emu.send_bot_message("跟进 C42 已报价", timeout=3)
    assert result["ack"]["code"] == 200  # the ACK of the redelivered frame
    first, again = bot_frames(emu)
    assert (first["redelivery"], again["redelivery"]) == (False, True)
    assert first["frame"]["headers"]["messageId"] == again["frame"]["headers"]["messageId"]
    assert first["frame"]["data"] == again["frame"]["data"]
    assert [m.message_id for m in bot.chat.received] == [result["data"]["msgId"]] * 2  # 0.24.3 does not dedupe


@pytest.mark.parametrize("new_message_id", [False, True])
def test_lost_acks_cause_redelivery_keeping_msg_id(bot: ConnectedBot, new_message_id: bool) -> None:
    emu = bot.emulator
    emu.config.redeliver_after, emu.config.redeliver_with_new_message_id = 0.1, new_message_id
    emu.set_drop_acks()
    result = emu.send_bot_message("客户 阿里巴巴", wait_ack=False)
    emu.wait_for(lambda: len(bot.chat.received) == 2, 3, "the redelivered message to reach the handler")
    emu.wait_for(lambda: len(emu.frames_received) == 2, 3, "both ACKs (which the emulator ignores)")
    message_ids = {f["frame"]["headers"]["messageId"] for f in bot_frames(emu)}
    assert len(message_ids) == (2 if new_message_id else 1)
    assert {m.message_id for m in bot.chat.received} == {result["data"]["msgId"]}


def test_stalled_socket_loses_pushes_until_the_client_reconnects(bot: ConnectedBot) -> None:
    emu = bot.emulator
    emu.config.redeliver_after, emu.config.max_redeliveries = 0.3, 5
    (zombie,) = emu.stall()
    with pytest.raises(TimeoutError):
        emu.send_ping(timeout=0.2)
    emu.send_bot_message("客户 阿里巴巴", wait_ack=False)
    assert [f["connectionId"] for f in emu.frames_lost] == [zombie, zombie] and not bot.chat.received
    # What the adapter's watchdog does: close the silent socket so the SDK reconnects.
    asyncio.run_coroutine_threadsafe(bot.client.websocket.close(), bot.runner.loop).result(2)
    fresh = emu.wait_for_connections(1)[0]
    emu.wait_for(lambda: bot.chat.received, 3, "the redelivery on the new socket")
    assert fresh.id != zombie and bot_frames(emu)[-1]["connectionId"] == fresh.id
