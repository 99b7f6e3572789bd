"""Pushes speak the language the user types in until they choose one with `settings lang:`."""

from __future__ import annotations

from tests.bot.notifications.helpers import local

SH = "Asia/Shanghai"


def test_a_user_who_types_english_gets_english_reminders(world, chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme called next:tomorrow 10:00 send the quote")  # default language is zh

    world.tick(local(SH, 2026, 11, 19, 10, 0))

    [text] = world.sender.texts("alice")
    assert "send the quote" in text and "Acme" in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("Acme", ""))


def test_a_user_who_types_chinese_gets_chinese_reminders(world, chat):
    bob = chat.user("bob")
    bob.say("新建 阿里巴巴")
    bob.say("跟进 阿里巴巴 电话沟通 下次:明天上午10点 发报价")

    world.tick(local(SH, 2026, 11, 19, 10, 0))

    [text] = world.sender.texts("bob")
    assert "发报价" in text and "跟进" in text
