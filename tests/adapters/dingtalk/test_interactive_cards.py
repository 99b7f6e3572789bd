"""With a card template configured, cards are interactive card instances: delivered through the card API,
their buttons call back on the card topic with the action, and the card is redrawn in place with the outcome
(through the real SDK's stream client and the emulator's card platform)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session

from adapters.dingtalk.service import DingTalkService
from config.settings import Settings
from storage.models import Customer
from tests.adapters.dingtalk.test_conversations import GROUP_TITLE
from tests.emulators.dingtalk import DingTalkEmulator

TEMPLATE = "crm-customer-card.schema"


@pytest.fixture
def dingtalk_settings(settings: Settings, dingtalk_emulator: DingTalkEmulator) -> Settings:
    from adapters.dingtalk.settings import DingTalkSettings

    section = DingTalkSettings(client_id=dingtalk_emulator.config.client_id,
                               client_secret=dingtalk_emulator.config.client_secret,
                               openapi_endpoint=dingtalk_emulator.base_url, card_template_id=TEMPLATE)
    return settings.model_copy(update={"platforms": {**settings.platforms, "dingtalk": section.model_dump()}})


def wait_cards(emulator: DingTalkEmulator, n: int) -> list[Any]:
    return emulator.wait_for(lambda: list(emulator.state.cards.values()) if len(emulator.state.cards) >= n else None,
                             10, f"{n} card(s)")


def test_a_card_is_an_instance_whose_done_button_redraws_it_in_place(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    dingtalk_emulator.send_bot_message("新建 阿里巴巴 电话:13900139000")
    [card] = wait_cards(dingtalk_emulator, 1)
    assert card.template_id == TEMPLATE and card.callback_type == "STREAM"
    assert card.open_space_ids == ["dtv1.card//IM_ROBOT.rep001"]
    assert all(isinstance(v, str) for v in card.data.values())
    assert card.data["title"] == "阿里巴巴 #1" and "+8613900139000" in card.data["markdown"]
    assert "已创建客户" in card.data["text"]
    buttons = json.loads(card.data["buttons"])
    assert [b["text"] for b in buttons] == ["记录跟进", "完成", "稍后提醒", "详情"]
    assert buttons[1]["action"] == "⟦done?customer=1⟧"
    assert dingtalk_emulator.session_replies == []  # no markdown copy of the card

    dingtalk_emulator.send_bot_message("跟进 阿里巴巴 电话沟通 下次:明天 发报价")
    dingtalk_emulator.wait_for_session_replies(1)
    ack = dingtalk_emulator.send_card_callback(card.out_track_id, "rep001", params={"action": buttons[1]["action"]},
                                               space_type="IM_ROBOT", space_id="rep001")
    assert ack["ack"]["code"] == 200
    dingtalk_emulator.wait_for(lambda: card.updates, 10, "the card's redraw")
    assert "完成" in card.data["status"] and "Done" not in card.data["status"]
    with Session(engine) as session:
        assert session.get(Customer, 1).next_followup_at is None


def test_in_a_group_the_card_is_delivered_there_redacted_and_a_click_runs_as_the_clicker(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    pushed = dingtalk_emulator.send_bot_message("新建 腾讯 电话:13800138000", conversation_type="2",
                                                conversation_title=GROUP_TITLE, sender_staff_id="rep009")
    [card] = wait_cards(dingtalk_emulator, 1)
    group = pushed["data"]["conversationId"]
    assert card.open_space_ids == [f"dtv1.card//IM_GROUP.{group}"]
    assert "13800138000" not in json.dumps(card.data, ensure_ascii=False)  # the group sees no phone number
    details = next(b for b in json.loads(card.data["buttons"]) if b["text"] == "详情")
    dingtalk_emulator.send_card_callback(card.out_track_id, "rep010", params={"action": details["action"]},
                                         space_type="IM_GROUP", space_id=group)
    dingtalk_emulator.wait_for(lambda: card.updates, 10, "the card's redraw")
    # rep010 is another rep: the customer is rep009's, so the click answers as rep010 would be answered.
    assert card.data["status"] and "13800138000" not in json.dumps(card.data, ensure_ascii=False)


def test_a_redelivered_click_acts_once(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    dingtalk_emulator.send_bot_message("新建 阿里巴巴")
    [card] = wait_cards(dingtalk_emulator, 1)
    log = json.loads(card.data["buttons"])[0]["action"]
    payload = dingtalk_emulator.build_card_callback(card.out_track_id, "rep001", params={"action": log},
                                                    space_type="IM_ROBOT", space_id="rep001")
    first = dingtalk_emulator.send_card_callback(card.out_track_id, data=payload, message_id="frame-1")
    second = dingtalk_emulator.send_card_callback(card.out_track_id, data=payload, message_id="frame-1")
    assert first["ack"]["code"] == second["ack"]["code"] == 200
    dingtalk_emulator.wait_for(lambda: card.updates, 10, "the card's redraw")
    assert dingtalk_service.queue is not None and dingtalk_service.queue.wait_idle(5)
    assert len(card.updates) == 1 and "跟进内容" in card.data["status"]  # Log asks for the note, once
