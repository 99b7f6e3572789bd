"""Overdue payments: the owner hears the morning after the due date, the manager after N more days."""

from __future__ import annotations

from datetime import date

import pytest

from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {"scheduler": {"payment_escalate_after_days": 7}}


def test_the_owner_is_told_once_the_due_date_has_passed(world):
    alice = world.user("alice", tz=SH)
    order = world.order(world.customer("Acme", alice), "12000", due=date(2026, 11, 17))

    assert delivered(world.tick(local(SH, 2026, 11, 17, 18, 0))) == []  # due today: not overdue yet
    report = world.tick(local(SH, 2026, 11, 18, 9, 0))
    assert delivered(report) == [("payment_overdue", "alice")]
    assert report.dispatched.delivered[0].occasion == f"order#{order}@2026-11-17"
    [text] = world.sender.texts("alice")
    assert "Payment overdue" in text and "CNY 12,000.00" in text and "1 day ago" in text
    assert delivered(world.tick(local(SH, 2026, 11, 19, 9, 0))) == []  # once per order


def test_the_manager_hears_when_it_is_still_unpaid_after_the_configured_days(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    world.order(world.customer("Acme", alice), "5000", due=date(2026, 11, 10))

    report = world.tick(local(SH, 2026, 11, 17, 9, 0))  # 7 days after the due date

    assert ("payment_escalation", "maria") in delivered(report)
    [text] = [t for t in world.sender.texts("maria") if "Unpaid for" in t]
    assert "Unpaid for 7 days" in text and "Acme (alice)" in text and "CNY 5,000.00" in text


def test_a_paid_order_is_not_chased(world, chat):
    alice = world.user("alice", tz=SH)
    order = world.order(world.customer("Acme", alice), "12000", due=date(2026, 11, 17))
    world.clock.set(local(SH, 2026, 11, 18, 8, 30))
    chat.user("alice").say(f"paid #{order}")

    assert delivered(world.tick(local(SH, 2026, 11, 18, 9, 0))) == []


def test_a_snoozed_step_is_pushed_again_on_its_new_day(world, chat):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    world.step(acme, due_date=date(2026, 11, 18), step="send the quote")
    assert delivered(world.tick(local(SH, 2026, 11, 18, 9, 0))) == [("followup_due", "alice")]

    chat.user("alice").say(f"snooze #{acme} 1d")

    assert delivered(world.tick(local(SH, 2026, 11, 18, 15, 0))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 19, 9, 0))) == [("followup_due", "alice")]
