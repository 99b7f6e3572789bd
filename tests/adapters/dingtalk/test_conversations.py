"""End to end with the real SDK: people talk to the bot in DMs and groups, in Chinese and English.

Each test pushes DingTalk's own payloads through the emulator's stream gateway to `DingTalkService` and
checks what a user sees (the session-webhook reply bodies) and what was stored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlmodel import Session, select

from adapters.dingtalk.markdown import QUICK_LINK_BASE
from adapters.dingtalk.service import DingTalkService
from storage.models import ChatConversation, Customer, FollowUp, User
from tests.emulators.dingtalk import DingTalkEmulator

GROUP_TITLE = "华东销售群"


def ask(emulator: DingTalkEmulator, text: str, **kw: Any) -> dict[str, Any]:
    """Push one message and return the session-webhook body of the answer to it."""
    pushed = emulator.send_bot_message(text, **kw)
    msg_id = pushed["data"]["msgId"]
    replies = emulator.wait_for(
        lambda: [r for r in emulator.session_replies if r["msgId"] == msg_id], 10, f"the answer to {text!r}")
    assert len(replies) == 1
    return replies[0]["body"]


def quick_commands(markdown: str) -> list[str]:
    return [parse_qs(urlparse(QUICK_LINK_BASE + chunk.split(")", 1)[0]).query)["content"][0]
            for chunk in markdown.split(QUICK_LINK_BASE)[1:]]


def customers(engine: Any) -> list[tuple[str, str, str | None]]:
    with Session(engine) as session:
        return list(session.exec(select(Customer.name, Customer.tenant, Customer.phone).order_by(Customer.id)).all())


def test_chinese_dm_creates_and_finds_a_customer(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    body = ask(dingtalk_emulator, "新建 阿里巴巴 电话:13900139000 行业:电商", sender_nick="张三")
    assert customers(engine) == [("阿里巴巴", "dingtalk:dingemucorp0001", "+8613900139000")]
    assert body["msgtype"] == "markdown" and "at" not in body
    markdown = body["markdown"]
    assert markdown["title"].startswith("已创建客户 阿里巴巴")
    assert "### 阿里巴巴 #1" in markdown["text"] and "+8613900139000" in markdown["text"]
    # Each quick link sends its label and the action (id and arguments), never English command text.
    assert quick_commands(markdown["text"]) == ["记录跟进 ⟦log?customer=1⟧", "完成 ⟦done?customer=1⟧",
                                                "稍后提醒 ⟦snooze?customer=1⟧", "详情 ⟦followups?customer=1⟧"]

    found = ask(dingtalk_emulator, "查找 albb")
    assert "**阿里巴巴**" in found["markdown"]["text"]
    with Session(engine) as session:
        user = session.exec(select(User)).one()
    assert user.display_name == "张三"


def test_group_mention_creates_a_customer_and_answers_the_asker(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    body = ask(dingtalk_emulator, "新建 腾讯 电话:13800138000", conversation_type="2", sender_staff_id="rep009",
               conversation_title=GROUP_TITLE)
    assert customers(engine)[0][0] == "腾讯"
    assert body["at"] == {"atUserIds": ["rep009"], "isAtAll": False}
    text = body["markdown"]["text"]
    assert text.endswith("@rep009")
    assert "13800138000" not in text  # the group sees the card without the phone number
    assert "dtmd://" not in text  # a link clicked in a group would not reach the bot
    shown = ask(dingtalk_emulator, "查看 腾讯", conversation_type="2", sender_staff_id="rep009",
                conversation_title=GROUP_TITLE)
    assert "### 腾讯 #1" in shown["markdown"]["text"] and "13800138000" not in shown["markdown"]["text"]
    with Session(engine) as session:
        [group] = session.exec(select(ChatConversation)).all()
    assert (group.platform, group.workspace, group.title) == ("dingtalk", "dingemucorp0001", GROUP_TITLE)
    assert group.conversation_id == dingtalk_emulator.session_replies[0]["conversationId"]
    assert [g.conversation_id for g in dingtalk_service.groups.groups("dingemucorp0001")] == [group.conversation_id]


def test_english_commands_in_dm_and_group(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    created = ask(dingtalk_emulator, "new Acme Trading industry:retail", sender_nick="Alice")
    assert created["markdown"]["title"].startswith("Created")
    logged = ask(dingtalk_emulator, "log Acme called about the renewal", conversation_type="2")
    assert "Acme" in logged["markdown"]["text"] and logged["at"]["atUserIds"] == ["rep001"]
    with Session(engine) as session:
        assert session.exec(select(FollowUp.text)).all() == ["called about the renewal"]


def test_prefixes_full_width_rich_text_and_voice_all_reach_the_commands(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "／新建 阿里巴巴")
    assert "阿里巴巴" in ask(dingtalk_emulator, "＃查找　阿里")["markdown"]["text"]
    ask(dingtalk_emulator, "跟进 阿里巴巴 已报价", conversation_type="2", msgtype="richText", with_picture=True)
    ask(dingtalk_emulator, "跟进 阿里巴巴 客户说下周签约", msgtype="audio")
    with Session(engine) as session:
        assert set(session.exec(select(FollowUp.text)).all()) == {"已报价", "客户说下周签约"}
    help_text = ask(dingtalk_emulator, "#帮助")["markdown"]["text"]
    assert "新建" in help_text


def test_a_redelivered_message_is_processed_once(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴")
    payload = dingtalk_emulator.build_bot_message("跟进 阿里巴巴 电话沟通")
    first = dingtalk_emulator.send_bot_message(data=payload)
    second = dingtalk_emulator.send_bot_message(data=payload)  # DingTalk redelivers with the same msgId
    assert first["ack"]["code"] == second["ack"]["code"] == 200
    dingtalk_emulator.wait_for_session_replies(2)
    assert dingtalk_service.queue is not None and dingtalk_service.queue.wait_idle(5)
    with Session(engine) as session:
        assert session.exec(select(FollowUp.text)).all() == ["电话沟通"]
    assert [r["msgId"] for r in dingtalk_emulator.session_replies].count(payload["msgId"]) == 1


def test_a_message_whose_ack_was_lost_is_redelivered_and_still_acts_once(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴")
    dingtalk_emulator.config.redeliver_after = 0.1
    dingtalk_emulator.set_drop_acks(True)
    pushed = dingtalk_emulator.send_bot_message("跟进 阿里巴巴 上门拜访", wait_ack=False)
    dingtalk_emulator.wait_for(lambda: len([f for f in dingtalk_emulator.frames_sent if f["redelivery"]]) == 1, 5,
                               "the redelivery")
    assert dingtalk_service.queue is not None
    dingtalk_emulator.wait_for(lambda: dingtalk_service.queue.backlog == 0 and len(dingtalk_emulator.session_replies)
                               >= 2, 5, "both deliveries handled")
    with Session(engine) as session:
        assert session.exec(select(FollowUp.text)).all() == ["上门拜访"]
    assert [r["msgId"] for r in dingtalk_emulator.session_replies].count(pushed["data"]["msgId"]) == 1


def test_corps_never_see_each_others_customers(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴")
    other_corp = dingtalk_emulator.build_bot_message("查找 阿里巴巴", sender_staff_id="rep001")
    other_corp.update(senderCorpId="dingOtherCorp", chatbotCorpId="dingOtherCorp")
    dingtalk_emulator.send_bot_message(data=other_corp)
    [answer] = [r for r in dingtalk_emulator.wait_for_session_replies(2) if r["msgId"] == other_corp["msgId"]]
    assert "**阿里巴巴**" not in answer["body"]["markdown"]["text"]
    with Session(engine) as session:
        tenants = sorted(session.exec(select(User.tenant)).all())
    assert tenants == ["dingtalk:dingOtherCorp", "dingtalk:dingemucorp0001"]


def test_pictures_are_acknowledged_but_not_answered(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator
) -> None:
    pushed = dingtalk_emulator.send_bot_message("", msgtype="picture")
    assert pushed["ack"]["code"] == 200
    assert ask(dingtalk_emulator, "帮助")["msgtype"] == "markdown"  # processed after the picture
    assert all(r["msgId"] != pushed["data"]["msgId"] for r in dingtalk_emulator.session_replies)
