"""The open next step survives follow-ups without `next:`; only `done` or a new `next:` closes it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from storage.models import Customer, FollowUp


def _open_steps(engine) -> list[str | None]:
    with Session(engine) as session:
        return list(session.exec(select(FollowUp.next_step).where(
            FollowUp.done_at.is_(None), FollowUp.next_due_at.is_not(None))).all())


def test_a_note_without_next_keeps_the_open_step_and_says_so(chat, engine):
    alice = chat.user("alice")
    alice.say("new Umbrella")
    alice.say("log Umbrella called next:friday 10:00 send the quote")
    out = alice.say("log Umbrella they emailed a question")
    assert "Logged a note for Umbrella" in out
    assert "Still open: send the quote" in out and "Close it with done #1." in out
    assert _open_steps(engine) == ["send the quote"]
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
    assert customer.next_step == "send the quote" and customer.next_followup_at is not None
    assert "send the quote" in alice.say("show Umbrella")
    out = alice.say("done Umbrella")
    assert _open_steps(engine) == []


def test_chinese_follow_up_without_next_reminds_the_open_step(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 华东机械")
    alice.say("跟进 华东机械 电话沟通 下次:3天后 发报价")
    out = alice.say("跟进 华东机械 客户发邮件问价格")
    assert "仍待办：发报价" in out and "完成 #1" in out
    assert "Still" not in out
    assert _open_steps(engine) == ["发报价"]


@pytest.mark.parametrize("config_overrides", [{"teams": [
    {"name": "East", "managers": ["mia"], "members": ["alice", "bob"], "shares_customers": True}]}])
def test_a_teammates_log_never_closes_the_owners_step(chat, engine, config_overrides):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Umbrella")
    alice.say("log Umbrella called next:friday 10:00 send the quote")
    out = bob.say("log Umbrella met them at the fair")
    assert "Still open: send the quote" in out
    assert _open_steps(engine) == ["send the quote"]
    out = bob.say("log Umbrella visited next:monday book the demo")
    assert 'replaces the open step "send the quote" set by alice' in out
    assert _open_steps(engine) == ["book the demo"]


def test_kind_words_take_the_right_article(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    assert "Logged an email for Acme" in alice.say("log Acme emailed the brochure")
    assert "Logged a call for Acme" in alice.say("log Acme called back")
    assert "已为 Acme 记录一条邮件跟进" in alice.say("跟进 Acme 邮件 发了资料")


def test_next_tomorrow_at_10_is_a_time_not_part_of_the_step(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("log Acme emailed next:tomorrow at 10 send the quote")
    assert "Next step: send the quote, Thu 2026-11-19 10:00" in out
    out = alice.say("log Acme called next:tomorrow at 3 send it")
    assert "ambiguous" in out
