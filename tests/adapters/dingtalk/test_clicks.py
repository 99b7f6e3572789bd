"""DingTalk quick links are language-neutral clicks: the message a link sends carries the action id and its
arguments, and a Chinese rep's click is answered in Chinese without changing their language."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from adapters.dingtalk.service import DingTalkService
from storage.models import Customer, FollowUp, User
from tests.adapters.dingtalk.test_conversations import ask, quick_commands
from tests.emulators.dingtalk import DingTalkEmulator


def test_a_chinese_reps_done_link_is_answered_in_chinese_and_keeps_their_language(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴")
    ask(dingtalk_emulator, "跟进 阿里巴巴 电话沟通 下次:明天 发报价")
    card = ask(dingtalk_emulator, "查看 阿里巴巴")["markdown"]["text"]
    done = next(sent for sent in quick_commands(card) if "⟦done" in sent)
    assert done == "完成 ⟦done?customer=1⟧"

    answer = ask(dingtalk_emulator, done)["markdown"]["text"]
    assert "已" in answer and not any(w in answer for w in ("Done", "Marked", "step"))
    with Session(engine) as session:
        assert session.get(Customer, 1).next_followup_at is None
        assert session.exec(select(User)).one().last_language == "zh"


def test_an_english_reps_card_links_carry_the_same_actions_in_english_labels(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    card = ask(dingtalk_emulator, "new Acme Trading")["markdown"]["text"]
    assert quick_commands(card) == ["Log follow-up ⟦log?customer=1⟧", "Done ⟦done?customer=1⟧",
                                    "Snooze ⟦snooze?customer=1⟧", "Details ⟦followups?customer=1⟧"]


def test_the_log_link_asks_for_the_note_and_the_next_message_is_logged(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    card = ask(dingtalk_emulator, "新建 阿里巴巴")["markdown"]["text"]
    log_link = next(sent for sent in quick_commands(card) if "⟦log" in sent)
    asked = ask(dingtalk_emulator, log_link)["markdown"]["text"]
    assert "跟进内容" in asked and "取消" in asked and "Missing" not in asked
    logged = ask(dingtalk_emulator, "电话沟通，客户说：下周签约")["markdown"]["text"]
    assert "已为" in logged and "阿里巴巴" in logged
    with Session(engine) as session:
        assert session.exec(select(FollowUp.text)).all() == ["电话沟通，客户说：下周签约"]
    # Asked again and cancelled: nothing more is logged.
    ask(dingtalk_emulator, log_link)
    assert "没有记录" in ask(dingtalk_emulator, "取消")["markdown"]["text"]
    with Session(engine) as session:
        assert len(session.exec(select(FollowUp)).all()) == 1
