"""Who a DingTalk sender is to crmbot (roles from config), and posting a shared card into a group."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from adapters.dingtalk.incoming import translate
from adapters.dingtalk.sender import GROUP_SEND_PATH
from adapters.dingtalk.service import DingTalkService
from bot.cards import customer_card
from bot.context import CommandContext
from bot.messages import Reply
from storage.models import Customer, SharedCard, User, UserIdentity
from tests.adapters.dingtalk.test_conversations import ask
from tests.emulators.dingtalk import DingTalkEmulator


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"roles": {"admins": ["dingtalk:boss01"]}}


def test_roles_come_from_config_by_staff_id(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴", sender_staff_id="rep001", sender_nick="张三")
    other_rep = ask(dingtalk_emulator, "查找 阿里巴巴", sender_staff_id="rep002", sender_nick="李四")
    boss = ask(dingtalk_emulator, "查找 阿里巴巴", sender_staff_id="boss01", sender_nick="王总")
    assert "**阿里巴巴**" not in other_rep["markdown"]["text"]
    assert "**阿里巴巴**" in boss["markdown"]["text"]
    with Session(engine) as session:
        roles = dict(session.exec(select(User.display_name, User.role)).all())
    assert roles == {"张三": "rep", "李四": "rep", "王总": "admin"}


def test_a_nickname_equal_to_the_admins_staff_id_grants_nothing(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴", sender_staff_id="rep001", sender_nick="张三")
    impostor = ask(dingtalk_emulator, "查找 阿里巴巴", sender_staff_id="rep009", sender_nick="boss01")
    assert "**阿里巴巴**" not in impostor["markdown"]["text"]
    with Session(engine) as session:
        roles = dict(session.exec(select(UserIdentity.external_id, User.role)
                                  .join(User, User.id == UserIdentity.user_id)).all())
    assert roles == {"rep001": "rep", "rep009": "rep", "boss01": "admin"}  # boss01: named, exists before writing


def test_a_shared_card_is_posted_to_the_group_and_recorded(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 腾讯 电话:13800138000", conversation_type="2")
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
    payload = dingtalk_emulator.build_bot_message("分享 腾讯", conversation_type="2")
    message = translate(payload)
    card_reply = ask(dingtalk_emulator, "查看 腾讯")  # a DM: the full card, to compare with the shared one
    assert "13800138000" in card_reply["markdown"]["text"]

    # The `share` command's reply, built the way the core builds it.
    bot = dingtalk_service.runtime.bot
    with Session(engine) as session:
        user = session.exec(select(User).where(User.role == "rep")).one()  # not boss01, whom config named
        ctx = CommandContext(session=session, user=user, incoming=message.incoming, settings=bot.settings,
                             clock=bot.clock, lang="zh")
        card = customer_card(ctx, session.get(Customer, customer.id))
    dingtalk_service.replier.deliver(message, [Reply(card=card, share_customer_id=customer.id, private=False)])

    [call] = dingtalk_emulator.wait_for_api_call(GROUP_SEND_PATH)
    assert call["body"]["openConversationId"] == payload["conversationId"]
    [posted] = dingtalk_emulator.wait_for(lambda: dingtalk_emulator.robot_messages, 5, "the shared card")
    assert "### 腾讯 #1" in posted["msgParam"]["text"] and "13800138000" not in posted["msgParam"]["text"]
    with Session(engine) as session:
        shared = session.exec(select(SharedCard)).one()
    assert (shared.customer_id, shared.channel, shared.message_id) == (
        customer.id, payload["conversationId"], posted["processQueryKey"])


def test_deleting_a_shared_customer_posts_its_card_as_deleted_without_buttons(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 腾讯 电话:13800138000", conversation_type="2")
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
        user = session.exec(select(User).where(User.role == "rep")).one()  # not boss01, whom config named
    message = translate(dingtalk_emulator.build_bot_message("分享 腾讯", conversation_type="2"))
    bot = dingtalk_service.runtime.bot
    with Session(engine) as session:
        ctx = CommandContext(session=session, user=user, incoming=message.incoming, settings=bot.settings,
                             clock=bot.clock, lang="zh")
        card = customer_card(ctx, session.get(Customer, customer.id), shared=True)
    dingtalk_service.replier.deliver(message, [Reply(card=card, share_customer_id=customer.id, private=False)])
    [shared_post] = dingtalk_emulator.wait_for(lambda: dingtalk_emulator.robot_messages, 5, "the shared card")

    ask(dingtalk_emulator, "删除 腾讯")

    posts = dingtalk_emulator.wait_for(lambda: dingtalk_emulator.robot_messages[1:], 5, "the card as deleted")
    text = posts[-1]["msgParam"]["text"]
    assert "已被删除" in text and "13800138000" not in text
    assert "腾讯" in shared_post["msgParam"]["text"] and "dtmd://" not in text  # no buttons
