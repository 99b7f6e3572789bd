"""`deadletters` (死信): admins see what could not be delivered and can queue it again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ports import DeliveryError
from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"
NOW = local(SH, 2026, 11, 18, 10, 0)


@pytest.fixture
def config_overrides():
    return {"roles": {"admins": ["root"]}}


def failed_push(world) -> int:
    alice = world.user("alice", tz=SH)
    world.step(world.customer("Acme", alice), due_at=NOW, zone=SH)
    world.sender.failures.append(DeliveryError("not_in_channel", permanent=True))
    world.tick(NOW)
    [row] = world.outbox()
    return row.id


def test_an_admin_lists_dead_letters_with_their_reason(world, chat):
    outbox_id = failed_push(world)
    world.user("root", tz=SH, role="admin")

    out = chat.user("root").say("deadletters")

    assert "Undelivered notifications (1)" in out
    assert f"#{outbox_id} follow-up due → alice" in out and "permanent: not_in_channel" in out


def test_a_chinese_admin_reads_the_kind_occasion_and_reason_in_chinese(world, chat):
    outbox_id = failed_push(world)
    world.user("root", tz=SH, lang="zh", role="admin")

    out = chat.user("root").say("死信")

    assert f"#{outbox_id} 跟进到期 → alice · 跟进 #1（2026-11-18）· 尝试 1 次 · 平台拒绝：not_in_channel" in out
    assert "followup" not in out and "permanent" not in out


def test_retry_queues_a_dead_letter_again_and_the_next_tick_delivers_it(world, chat):
    outbox_id = failed_push(world)
    world.user("root", tz=SH, lang="zh", role="admin")

    out = chat.user("root").say(f"死信 重试 {outbox_id}")
    assert "已重新排队 1 条通知" in out

    report = world.tick(NOW + timedelta(minutes=1))
    assert delivered(report) == [("followup_due", "alice")]
    assert chat.user("root").say("deadletters") == "没有未送达的通知。🎉"


def test_reps_may_not_see_dead_letters(world, chat):
    failed_push(world)
    out = chat.user("alice").say("deadletters")
    assert "Only" in out and "deadletters" in out

