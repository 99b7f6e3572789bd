"""Replies follow the person's language setting, else the command word they typed, never a customer's name."""

from __future__ import annotations

import pytest


def test_an_english_command_on_a_chinese_name_is_answered_in_english(chat):
    alice = chat.user("alice")
    out = alice.say("show 不存在公司")
    assert 'No customer matches "不存在公司"' in out
    assert "Created customer 华东机械" in alice.say("new 华东机械")
    assert "Logged a call for 华东机械" in alice.say("log 华东机械 called about prices")
    assert "Updated 华东机械" in alice.say("edit 华东机械 region:上海")


def test_a_chinese_command_on_an_english_name_is_answered_in_chinese(chat):
    alice = chat.user("alice")
    assert "没有找到客户「Nonexistent Ltd」" in alice.say("查看 Nonexistent Ltd")
    assert "已创建客户 Acme" in alice.say("新建 Acme")
    assert "已为 Acme 记录一条电话跟进" in alice.say("跟进 Acme 电话 discussed pricing")


def test_the_language_setting_wins_over_the_command_word(chat):
    alice = chat.user("alice")
    alice.say("settings lang:en")
    assert 'No customer matches "不存在公司"' in alice.say("查看 不存在公司")


@pytest.mark.parametrize("config_overrides", [{"teams": [
    {"name": "East", "managers": ["mia"], "members": ["alice"]}]}])
def test_permission_messages_name_the_role_that_is_needed(chat, config_overrides):
    mia, alice = chat.user("mia"), chat.user("alice")
    assert "Only admins can use deadletters (you are a manager)." in mia.say("deadletters")
    assert "Only managers and admins can use report (you are a rep)." in alice.say("report")
    assert "只有管理员可以使用「死信」（你的角色是主管）" in mia.say("死信")
    assert "只有主管和管理员可以使用「报表」（你的角色是销售）" in alice.say("报表")


def test_a_card_button_answers_in_the_language_the_user_types(bot):
    from adapters.console.render import render_reply
    from bot.messages import InboundKind, Incoming

    def send(text: str, kind: str = InboundKind.MESSAGE) -> str:
        incoming = Incoming(platform="console", workspace="", channel="console:wang", user_id="wang",
                            user_name="wang", text=text, kind=kind)
        return "\n".join(render_reply(r) for r in bot.handle(incoming))

    send("新建 华东机械")
    send("跟进 华东机械 电话沟通 下次:明天 发报价")
    out = send("done #1", InboundKind.BUTTON)  # the card's button runs an English command word
    assert "已完成 华东机械（#1）的下一步：发报价" in out
