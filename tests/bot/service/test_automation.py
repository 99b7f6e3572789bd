"""Automation rules from the config: a closed ticket prompts the owner once, a silent VIP gets a planned next step
once, a paid order tells the manager; replicas ticking at once fire each rule once per occasion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.notifications.dispatch import DispatchOptions
from config.service import AutomationRule
from schedules.tick import NotificationTick
from storage.models import AutomationRun, Customer, FollowUp, NotificationOutbox
from tests.bot.notifications.helpers import RecordingSender, delivered, local
from tests.bot.test_concurrency import at_once

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {
        "teams": [{"name": "east", "managers": ["mia"], "members": ["alice"]}],
        "automation": [
            {"when": "ticket_closed", "then": "notify_owner", "text": "打电话回访满意度"},
            {"name": "vip-care", "when": "vip_silent", "days": 30, "then": "next_step", "text": "约见VIP",
             "due_in_days": 1},
            {"when": "order_paid", "then": "notify_manager", "text": "thank the customer"},
        ],
    }


def _auto(report) -> list[tuple[str, str]]:
    return [push for push in delivered(report) if push[0] == "automation"]


def test_a_closed_ticket_prompts_the_owner_once(world, chat):
    world.user("alice", tz=SH, team="east", lang="zh")
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("投诉 albb 货物破损 优先级:高")
    assert _auto(world.tick(local(SH, 2026, 11, 18, 10, 30))) == []
    alice.say("解决 T1 已换货")
    assert _auto(world.tick(local(SH, 2026, 11, 18, 10, 31))) == [("automation", "alice")]
    [text] = [t for t in world.sender.texts("alice") if "🤖" in t]
    assert "工单已解决" in text and "阿里巴巴" in text and "打电话回访满意度" in text
    assert _auto(world.tick(local(SH, 2026, 11, 18, 11, 0))) == []  # once per occasion


def test_a_silent_vip_gets_one_planned_step_for_its_owner(world, engine, chat):
    world.user("alice", tz=SH, team="east")
    acme = world.customer("Acme", world_user_id(engine, "alice"), created=datetime(2026, 9, 1, tzinfo=UTC))
    chat.user("alice").say(f"edit #{acme} tier:vip")
    world.tick(local(SH, 2026, 11, 18, 10, 0))
    world.tick(local(SH, 2026, 11, 18, 10, 5))
    with Session(engine) as session:
        steps = session.exec(select(FollowUp).where(FollowUp.customer_id == acme)).all()
        customer = session.get(Customer, acme)
    assert [s.next_step for s in steps] == ["约见VIP"]
    assert steps[0].author_id == customer.owner_id and steps[0].next_due_date.isoformat() == "2026-11-19"
    assert customer.next_step == "约见VIP" and customer.last_contact_at is None  # planning is not contact
    assert "约见VIP" in chat.user("alice").say(f"show #{acme}")


def test_a_paid_order_tells_the_manager(world, chat):
    world.user("alice", tz=SH, team="east")
    world.user("mia", tz=SH, team="east", role="manager")
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 5000")
    alice.say("paid #1")
    report = world.tick(local(SH, 2026, 11, 18, 10, 30))
    assert ("automation", "mia") in _auto(report)
    assert any("order paid" in t and "thank the customer" in t for t in world.sender.texts("mia"))


def test_replicas_ticking_at_once_fire_a_rule_once(world, engine, chat, settings, clock):
    world.user("alice", tz=SH, team="east")
    alice = chat.user("alice")
    alice.say("new Acme")
    for n in range(3):
        alice.say(f"ticket Acme issue {n}")
        alice.say(f"close T{n + 1} fixed")
    clock.advance(minutes=5)
    sender = RecordingSender()
    ticks = [NotificationTick(engine=engine, settings=settings, clock=clock, senders={"console": sender},
                              options=DispatchOptions(worker_id=f"replica-{n}")) for n in range(3)]
    at_once(list(ticks))
    with Session(engine) as session:
        runs = session.exec(select(AutomationRun).where(AutomationRun.rule == "rule1",
                                                        AutomationRun.event == "ticket_closed")).all()
        rows = session.exec(select(NotificationOutbox).where(NotificationOutbox.kind == "automation")).all()
    assert len(runs) == 3 and len(rows) == 3
    assert sum("🤖" in p.text for p in sender.pushes) == 3


def test_rules_are_validated_at_start():
    with pytest.raises(ValueError, match="days"):
        AutomationRule(when="vip_silent", then="notify_owner")
    with pytest.raises(ValueError, match="text"):
        AutomationRule(when="ticket_closed", then="next_step")
    with pytest.raises(ValueError):
        AutomationRule(when="deal_lost_forever", then="notify_owner")
    assert timedelta(0) == timedelta(0)


def world_user_id(engine, name: str) -> int:
    from storage.models import User

    with Session(engine) as session:
        return session.exec(select(User.id).where(User.name == name)).one()


@pytest.fixture
def won_deal_rules(settings):
    settings.automation = [AutomationRule(name="won-survey", when="deal_won", then="send_survey"),
                           AutomationRule(when="deal_won", then="notify_manager", text="celebrate")]
    settings.surveys.after_ticket_close = False
    yield
    settings.automation = []


def test_a_won_deal_sends_a_survey_and_tells_the_manager(world, chat, engine, won_deal_rules):
    world.user("alice", tz=SH, team="east")
    world.user("mia", tz=SH, team="east", role="manager")
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("deal Acme pumps 50000")
    out = alice.say("won D1")
    assert "D1" in out
    report = world.tick(local(SH, 2026, 11, 18, 10, 30))
    assert ("survey_push", "alice") in delivered(report) and ("automation", "mia") in delivered(report)
    assert any("deal D1 was won" in t for t in world.sender.texts("alice"))
    with Session(engine) as session:
        from storage.models import SurveyInvite

        (invite,) = session.exec(select(SurveyInvite)).all()
    assert (invite.source_kind, invite.source_id) == ("deal", 1)
    assert [p for p in delivered(world.tick(local(SH, 2026, 11, 18, 11, 0))) if p[0] != "digest_daily"] == []
