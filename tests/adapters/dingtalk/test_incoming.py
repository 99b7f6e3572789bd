"""Translating DingTalk chatbot payloads (built exactly as the gateway sends them) into the core's `Incoming`."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.dingtalk.incoming import UnusableMessage, command_text, translate
from tests.emulators.dingtalk_payloads import RobotIdentity, build_bot_message

ROBOT = RobotIdentity(robot_code="dingappkey", corp_id="dingcorpA", robot_name="CRM助手", app_id="app1")


def payload(text: str = "", **kw: Any) -> dict[str, Any]:
    return build_bot_message(text, robot=ROBOT, session_webhook="http://127.0.0.1:1/robot/sendBySession?session=s",
                             now_ms=1_790_000_000_000, session_ttl_ms=5_400_000, **kw)


def test_dm_text_keeps_the_command_and_addresses_the_user_by_staff_id() -> None:
    message = translate(payload("新建 阿里巴巴 电话:13900139000", sender_staff_id="rep007", sender_nick="王五"))
    incoming = message.incoming
    assert incoming.platform == "dingtalk"
    assert incoming.text == "新建 阿里巴巴 电话:13900139000"
    assert incoming.is_direct is True
    assert (incoming.user_id, incoming.user_name, incoming.channel) == ("rep007", "王五", "rep007")
    assert incoming.workspace == "dingcorpA"
    assert incoming.message_id and incoming.message_id.startswith("msg")
    assert message.session_webhook_expires_ms == 1_790_000_000_000 + 5_400_000
    assert incoming.at is not None and incoming.at.year == 2026


def test_group_text_loses_the_leading_space_left_by_the_removed_mention() -> None:
    raw = payload("查找 阿里", conversation_type="2", conversation_title="华东销售群")
    assert raw["text"]["content"] == " 查找 阿里"
    message = translate(raw)
    assert message.incoming.text == "查找 阿里"
    assert message.is_group
    assert message.incoming.channel == raw["conversationId"] == message.conversation_id
    assert message.conversation_title == "华东销售群"


def test_rich_text_drops_the_literal_robot_mention_and_pictures() -> None:
    raw = payload("跟进 #3 已报价", conversation_type="2", msgtype="richText", with_picture=True)
    assert raw["content"]["richText"][0] == {"text": "@CRM助手"}
    assert translate(raw).incoming.text == "跟进 #3 已报价"


def test_voice_messages_use_the_recognised_text() -> None:
    raw = payload("查看 阿里巴巴", msgtype="audio")
    assert translate(raw).incoming.text == "查看 阿里巴巴"


@pytest.mark.parametrize(("typed", "command"), [
    ("＠CRM助手　新建 腾讯", "新建 腾讯"),
    ("@CRM助手 @李四 show #12", "show #12"),
    ("  ／新建 腾讯", "／新建 腾讯"),  # the core's parser folds the full-width slash and strips it
    ("log #12 talked to @李四", "log #12 talked to @李四"),
])
def test_only_leading_mentions_and_spaces_are_stripped(typed: str, command: str) -> None:
    assert command_text(typed) == command


@pytest.mark.parametrize("msgtype", ["picture", "file", "video"])
def test_messages_without_text_are_not_commands(msgtype: str) -> None:
    with pytest.raises(UnusableMessage, match="carries no text"):
        translate(payload("x", msgtype=msgtype))


def test_a_bare_mention_is_not_a_command() -> None:
    with pytest.raises(UnusableMessage, match="empty"):
        translate(payload("", conversation_type="2", msgtype="richText"))


def test_external_users_without_a_staff_id_are_refused() -> None:
    raw = payload("帮助", conversation_type="2")
    raw["senderStaffId"] = ""
    with pytest.raises(UnusableMessage, match="senderStaffId"):
        translate(raw)


def test_the_senders_corp_is_the_workspace() -> None:
    raw = payload("帮助")
    raw["senderCorpId"] = "dingcorpB"
    assert translate(raw).incoming.workspace == "dingcorpB"
