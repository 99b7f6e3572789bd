"""The group rate (DingTalk: 20 robot messages a minute per group) is the group's, not a process's: two
replicas answering one busy group, and pushes into it, share one count kept in the database; answers wait
for a free slot instead of being refused. The emulator refuses what DingTalk would (over its limit)."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.dingtalk.service import DingTalkService
from bot.dispatcher import Bot
from bot.messages import Reply, Target
from bot.ports import DeliveryError
from tests.adapters.dingtalk.conftest import FAST_OPTIONS
from tests.adapters.dingtalk.test_conversations import GROUP_TITLE
from tests.emulators.dingtalk import DingTalkEmulator

LIMIT = 3  # ours, kept small so the test stays short
# DingTalk's, with the headroom production keeps too (18 of 20): a send taken just before a clock jump may
# reach the emulator just after it, one per replica.
DINGTALK_LIMIT = LIMIT + 2

pytestmark = pytest.mark.parametrize("dingtalk_emulator", [{"group_message_limit": DINGTALK_LIMIT}], indirect=True)


@pytest.fixture
def dingtalk_options(clock: Any, dingtalk_emulator: DingTalkEmulator) -> Any:
    moving = threading.Lock()

    def sleep(seconds: float) -> None:
        # Waiting for a slot moves both clocks instead of the test's wall time.
        with moving:
            clock.advance(seconds=seconds)
            dingtalk_emulator.advance_clock(seconds)

    return replace(FAST_OPTIONS, group_messages_per_minute=LIMIT, sleep=sleep)


def test_the_emulator_refuses_a_group_past_dingtalks_limit(dingtalk_emulator: DingTalkEmulator) -> None:
    group = "cidEMULATED=="
    assert all(dingtalk_emulator.state.take_group_slot(group) for _ in range(DINGTALK_LIMIT))
    assert not dingtalk_emulator.state.take_group_slot(group)
    dingtalk_emulator.advance_clock(60)
    assert dingtalk_emulator.state.take_group_slot(group)


def test_two_replicas_answering_one_group_never_exceed_its_rate(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, runtime: Runtime,
    dingtalk_options: Any, engine: Any, settings: Any, clock: Any,
) -> None:
    twin_bot = Bot(engine=engine, settings=runtime.settings, clock=clock)
    twin = DingTalkService(Runtime(settings=runtime.settings, engine=engine, bot=twin_bot, clock=clock),
                           options=dingtalk_options)
    twin.start()
    try:
        dingtalk_emulator.wait_for_connections(2, timeout=10)
        sent = [dingtalk_emulator.send_bot_message(f"查找 客户{n}", conversation_type="2",
                                                   conversation_title=GROUP_TITLE) for n in range(3 * LIMIT)]
        dingtalk_emulator.wait_for_session_replies(len(sent), timeout=20)
    finally:
        twin.stop()
    assert dingtalk_emulator.state.group_throttled == []  # DingTalk never had to refuse one
    assert {r["msgId"] for r in dingtalk_emulator.session_replies} == {s["data"]["msgId"] for s in sent}
    connections = {s["frame"]["headers"]["connectionId"] for s in sent}
    assert len(connections) == 2  # both replicas answered part of the group


def test_a_push_into_a_group_counts_with_the_answers_there(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator,
) -> None:
    for n in range(LIMIT):
        dingtalk_emulator.send_bot_message(f"查找 客户{n}", conversation_type="2", conversation_title=GROUP_TITLE)
    dingtalk_emulator.wait_for_session_replies(LIMIT, timeout=10)
    group = dingtalk_emulator.session_replies[0]["conversationId"]
    with pytest.raises(DeliveryError) as refused:
        dingtalk_service.sender.send(Target("dingtalk", "dingemucorp0001", channel=group), Reply(text="日报"))
    assert refused.value.retry_after and not refused.value.permanent  # retried once the minute has passed
    assert dingtalk_emulator.state.group_throttled == []
