"""DingTalk end to end: text shows exactly as typed, mentions are read by staff id, a group learns its id."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlmodel import Session, select

from adapters.dingtalk.service import DingTalkService
from bot.render import unescape_md
from storage.models import Customer, User, UserIdentity
from tests.adapters.dingtalk.test_conversations import GROUP_TITLE, ask
from tests.emulators.dingtalk import DingTalkEmulator


def test_an_email_and_punctuation_show_exactly_as_typed(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    shown = ask(dingtalk_emulator, "新建 Acme_Asia [VIP] 邮箱:john_doe@acme.com 备注:价格<100|含税")["markdown"]
    text = shown["text"]
    assert "john\\_doe@acme.com" in text and "### Acme\\_Asia \\[VIP\\] #1" in text
    assert "价格\\<100\\|含税" in text
    assert "john_doe@acme.com" in unescape_md(text)  # one backslash per special character, nothing else
    assert not any(unicodedata.category(c) == "Cf" for c in text)  # no zero-width characters anywhere
    assert all(c not in text for c in "＿＠＃［］＜＞｜")  # no full-width look-alikes
    usage = ask(dingtalk_emulator, "跟进")["markdown"]["text"]
    assert "\\<客户\\>" in usage and not any(unicodedata.category(c) == "Cf" for c in usage)


def test_a_mention_is_read_by_staff_id_not_by_nickname(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 腾讯")
    ask(dingtalk_emulator, "帮助", sender_staff_id="rep002", sender_nick="李四")
    ask(dingtalk_emulator, "帮助", sender_staff_id="rep003", sender_nick="李四")  # the same nickname
    answer = ask(dingtalk_emulator, "转交 腾讯 @李四", conversation_type="2", conversation_title=GROUP_TITLE,
                 at_staff_ids=["rep003"])
    assert "腾讯" in answer["markdown"]["text"]
    with Session(engine) as session:
        owner = session.exec(select(UserIdentity.external_id).join(Customer, Customer.owner_id == UserIdentity.user_id)
                             ).one()
        assert owner == "rep003"
        assert len(session.exec(select(User).where(User.display_name == "李四")).all()) == 2


def test_a_group_is_told_its_id_and_a_dm_where_to_ask(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    pushed = dingtalk_emulator.send_bot_message("群信息", conversation_type="2", conversation_title=GROUP_TITLE)
    conversation_id = pushed["data"]["conversationId"]
    reply = dingtalk_emulator.wait_for(
        lambda: [r for r in dingtalk_emulator.session_replies if r["msgId"] == pushed["data"]["msgId"]], 10, "reply")
    text = reply[0]["body"]["markdown"]["text"]
    assert f"本群的 ID 是 {conversation_id}" in unescape_md(text)
    assert f'channel = "dingtalk:dingemucorp0001:{conversation_id}"' in unescape_md(text)
    english = ask(dingtalk_emulator, "group id", conversation_type="2", conversation_title=GROUP_TITLE)
    assert "This conversation's id is" in english["markdown"]["text"]
    assert "群信息" in ask(dingtalk_emulator, "群信息")["markdown"]["text"]  # a DM has no group id to tell
