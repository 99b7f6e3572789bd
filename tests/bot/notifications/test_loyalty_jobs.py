"""Loyalty in the scheduler: the tick runs the points expiry job; birthday greetings name the member level."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from storage.models import LoyaltyAccount, PointsEntry
from tests.bot.notifications.helpers import local

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {"loyalty": {"expire_after_months": 6}}


def _points(world, customer: int, balance: int, *, expires_on: date | None = None) -> None:
    with Session(world.engine) as session:
        session.add(LoyaltyAccount(customer_id=customer, tenant=world.tenant, balance=balance))
        session.add(PointsEntry(tenant=world.tenant, customer_id=customer, kind="earn", delta=balance,
                                balance_after=balance, remaining=balance, expires_on=expires_on))
        session.commit()


def test_the_tick_expires_unspent_points_once_their_day_has_come(world):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    _points(world, acme, 500, expires_on=date(2026, 11, 19))
    world.tick(local(SH, 2026, 11, 18, 10, 0))
    with Session(world.engine) as session:
        assert session.get(LoyaltyAccount, acme).balance == 500
    world.tick(local(SH, 2026, 11, 19, 10, 0))
    with Session(world.engine) as session:
        assert session.get(LoyaltyAccount, acme).balance == 0
        kinds = [e.kind for e in session.exec(select(PointsEntry).order_by(PointsEntry.id)).all()]
    assert kinds == ["earn", "expire"]


def test_a_birthday_greeting_names_the_member_level(world):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    world.contact(acme, "王总", month=11, day=18, greeting_language="zh")
    _points(world, acme, 25_000)
    world.tick(local(SH, 2026, 11, 18, 9, 5))
    [text] = [t for t in world.sender.texts("alice") if "Birthday" in t]
    assert "尊敬的VIP 会员 王总，祝您生日快乐" in text
