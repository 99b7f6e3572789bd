"""A low survey score alerts the owner and their manager at the next tick, once; a good score alerts nobody."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.services.surveys import answer_survey, create_survey_link
from storage.models import Customer, User
from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


def _link(world, customer_id: int) -> str:
    with Session(world.engine) as session:
        customer = session.get(Customer, customer_id)
        owner = session.get(User, customer.owner_id)
        link = create_survey_link(session, settings=world.settings, creator=owner, customer=customer,
                                  now=world.clock.now())
        session.commit()
        return link.token


def test_a_low_score_alerts_owner_and_manager_at_the_next_tick(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    acme = world.customer("Acme", alice)
    world.clock.set(local(SH, 2026, 11, 18, 10, 0))
    answer_survey(world.engine, world.settings, _link(world, acme), score_text="1", comment="送货太慢",
                  now=world.clock.now())

    report = world.tick(local(SH, 2026, 11, 18, 10, 1))
    alerts = sorted(d for d in delivered(report) if d[0] == "survey_low_score")
    assert alerts == [("survey_low_score", "alice"), ("survey_low_score", "maria")]
    [owner_text] = world.sender.texts("alice")
    assert "Low survey score" in owner_text and "1/5" in owner_text and "送货太慢" in owner_text
    assert "call-back" in owner_text
    [manager_text] = [t for t in world.sender.texts("maria") if "Low survey score" in t]
    assert "Acme (alice)" in manager_text
    assert [d for d in delivered(world.tick(local(SH, 2026, 11, 18, 10, 2))) if d[0] == "survey_low_score"] == []


def test_a_good_score_alerts_nobody(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    acme = world.customer("Acme", alice)
    world.clock.set(local(SH, 2026, 11, 18, 10, 0))
    answer_survey(world.engine, world.settings, _link(world, acme), score_text="4", comment=None,
                  now=world.clock.now())
    assert [d for d in delivered(world.tick(local(SH, 2026, 11, 18, 10, 1))) if d[0] == "survey_low_score"] == []
    with Session(world.engine) as session:
        assert session.exec(select(Customer)).one().next_step is None
