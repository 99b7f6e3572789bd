"""Stuck deals and deals past their expected close: the owner hears once per stay in a stage (once per close
date), moving or closing the deal ends the occasion, and the manager digest lists them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bot.notifications.helpers import delivered as all_delivered
from tests.bot.notifications.helpers import local

SH = "Asia/Shanghai"


def delivered(report) -> list[tuple[str, str]]:
    """The deal alerts a tick delivered (the manager's digests go out too)."""
    return [(kind, who) for kind, who in all_delivered(report) if kind.startswith("deal_")]


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice"]}],
            "pipeline": {"stuck_after_days": 14}}


@pytest.fixture
def alice(chat, world):
    alice = chat.user("alice")
    chat.user("mia").say("help")
    world.clock.set(local(SH, 2026, 11, 2, 10, 0))
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:120k close:2026-11-20")
    return alice


def test_a_stuck_deal_alerts_its_owner_once_per_stay(world, alice):
    assert [k for k, _ in delivered(world.tick(local(SH, 2026, 11, 16, 9, 0)))] == []  # 14 days less an hour
    report = world.tick(local(SH, 2026, 11, 16, 10, 30))
    assert delivered(report) == [("deal_stuck", "alice")]
    [text] = world.sender.texts("alice")
    assert "Deal stuck" in text and "D1 pumps (Acme, CNY 120,000.00) has been in qualify for 14 days" in text
    assert "[Details: show D1]" in text and "[Won: won D1]" in text
    assert delivered(world.tick(local(SH, 2026, 11, 17, 10, 30))) == []  # once per stay
    alice.say("stage D1 needs")
    world.clock.set(local(SH, 2026, 11, 30, 9, 0))
    assert ("deal_stuck", "alice") not in delivered(world.tick())  # the new stay is 13 days old
    assert ("deal_stuck", "alice") in delivered(world.tick(local(SH, 2026, 12, 1, 11, 0)))  # the new stay: again


def test_a_deal_moved_on_before_the_alert_goes_out_is_not_pushed(world, alice):
    world.clock.set(local(SH, 2026, 11, 16, 8, 30))
    world.tick(local(SH, 2026, 11, 16, 10, 30).replace(hour=7))  # too early: nothing queued yet
    alice.say("won D1")
    assert [k for k, _ in delivered(world.tick(local(SH, 2026, 11, 16, 11, 0)))] == []


def test_a_deal_past_its_expected_close_alerts_once_per_date(world, alice):
    alice.say("stage D1 needs")  # keep it from being stuck in this test
    report = world.tick(local(SH, 2026, 11, 21, 9, 30))
    assert ("deal_past_close", "alice") in delivered(report)
    [text] = [t for t in world.sender.texts("alice") if "Past expected close" in t]
    assert "D1 pumps (Acme, CNY 120,000.00) was expected to close Fri 2026-11-20 and is still in needs" in text
    assert ("deal_past_close", "alice") not in delivered(world.tick(local(SH, 2026, 11, 22, 9, 30)))
    world.clock.set(local(SH, 2026, 11, 22, 10, 0))
    alice.say("edit D1 close:2026-11-25")
    assert ("deal_past_close", "alice") in delivered(world.tick(local(SH, 2026, 11, 26, 9, 30)))


def test_in_chinese(world, chat):
    alice = chat.user("alice")
    world.clock.set(local(SH, 2026, 11, 2, 10, 0))
    alice.say("新建 阿里巴巴")
    alice.say("商机 阿里巴巴 服务器 金额:5万 预计成交:2026-11-10")
    world.tick(local(SH, 2026, 11, 17, 9, 30))
    texts = "\n".join(world.sender.texts("alice"))
    assert "商机停滞" in texts and "已在初步接洽阶段停留 14 天" in texts
    assert "已过预计成交日期" in texts


def test_the_manager_digest_lists_stuck_and_past_close_deals(world, alice, chat):
    chat.user("mia").say("digest daily")
    world.clock.set(local(SH, 2026, 11, 25, 7, 0) - timedelta(minutes=1))
    world.tick()
    world.tick(local(SH, 2026, 11, 25, 9, 0))
    digest = "\n".join(t for t in world.sender.texts("mia") if "Deals needing a decision" in t)
    assert "Deals needing a decision (1)" in digest
    assert "D1 pumps · Acme · alice · qualify 22 days · close 2026-11-20 passed" in digest
