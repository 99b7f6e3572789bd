"""Automatic surveys: a closed ticket, and a paid order after `after_order_days`, push the owner a link to forward;
at most one per customer per `min_interval_days`; the answer links back to the ticket or order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.notifications.dispatch import DispatchOptions
from bot.services.surveys import answer_survey
from schedules.tick import NotificationTick
from storage.models import NotificationOutbox, Satisfaction, SurveyInvite
from tests.bot.notifications.helpers import RecordingSender, delivered, local
from tests.bot.test_concurrency import at_once

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice"]}],
            "surveys": {"after_order_days": 3, "min_interval_days": 30},
            "http": {"public_url": "https://crm.example.com"}}


def _surveys(report) -> list[tuple[str, str]]:
    return [push for push in delivered(report) if push[0] == "survey_push"]


def _invites(engine) -> list[SurveyInvite]:
    with Session(engine) as session:
        return list(session.exec(select(SurveyInvite).order_by(SurveyInvite.id)).all())


def test_closing_a_ticket_pushes_the_owner_a_survey_link_whose_answer_names_the_ticket(world, chat, engine, settings):
    world.user("alice", tz=SH, team="east", lang="zh")
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("投诉 albb 货物破损 优先级:高")
    assert _surveys(world.tick(local(SH, 2026, 11, 18, 10, 30))) == []
    alice.say("解决 T1 已换货")
    assert _surveys(world.tick(local(SH, 2026, 11, 18, 10, 31))) == [("survey_push", "alice")]
    [text] = [t for t in world.sender.texts("alice") if "https://crm.example.com/s/" in t]
    assert "阿里巴巴" in text and "T1" in text
    assert _surveys(world.tick(local(SH, 2026, 11, 18, 11, 0))) == []  # once
    (invite,) = _invites(engine)
    assert (invite.source_kind, invite.source_id) == ("ticket", 1)
    token = text.split("https://crm.example.com/s/")[1].split()[0]
    answer_survey(engine, settings, token, score_text="5", comment="", now=local(SH, 2026, 11, 18, 12, 0))
    with Session(engine) as session:
        (answer,) = session.exec(select(Satisfaction)).all()
    assert (answer.source_kind, answer.source_id, answer.score) == ("ticket", 1, 5)


def test_a_paid_order_is_surveyed_after_the_configured_days_and_at_most_once_a_month(world, chat, engine):
    world.user("alice", tz=SH, team="east")
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 5000")
    alice.say("paid #1")
    assert _surveys(world.tick(local(SH, 2026, 11, 20, 10, 0))) == []  # two days later: not yet
    assert _surveys(world.tick(local(SH, 2026, 11, 21, 10, 5))) == [("survey_push", "alice")]
    assert _invites(engine)[0].order_id == 1
    alice.say("ticket Acme late delivery")
    alice.say("close T1 apologised")
    assert _surveys(world.tick(local(SH, 2026, 11, 21, 11, 0))) == []  # surveyed this month already
    assert len(_invites(engine)) == 1


def test_replicas_at_once_survey_a_customer_once(world, chat, engine, settings, clock):
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
        rows = session.exec(select(NotificationOutbox).where(NotificationOutbox.kind == "survey_push")).all()
    assert len(_invites(engine)) == 1 and len(rows) == 1
    assert timedelta(0) == timedelta(0)
