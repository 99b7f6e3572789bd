"""Loyalty points: paid orders earn them, `redeem` spends them (never below zero, even concurrently), `unpaid`
takes them back, unspent points expire by the scheduled job, and the level shows on the card and in greetings."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.services.loyalty import expire_points
from storage.models import AuditLog, Customer, LoyaltyAccount, PointsEntry


def _balance(engine, name: str = "Acme") -> int:
    with Session(engine) as session:
        customer = session.exec(select(Customer).where(Customer.name == name)).one()
        account = session.get(LoyaltyAccount, customer.id)
        return account.balance if account else 0


def _entries(engine) -> list[PointsEntry]:
    with Session(engine) as session:
        return list(session.exec(select(PointsEntry).order_by(PointsEntry.id)).all())


def test_a_paid_order_earns_points_shown_with_the_ledger_and_on_the_card(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 12345")
    assert _balance(engine) == 0  # ordering earns nothing; paying does
    paid = alice.say("paid #1")
    assert "+123 loyalty points (balance 123)" in paid
    shown = alice.say("points Acme")
    assert "Acme (#1): 123 points" in shown and "earned +123 (order #1)" in shown
    assert "Member: 123 points" in alice.say("show Acme")
    zh = alice.say("积分 Acme")
    assert "123 积分" in zh and "获得 +123（订单 #1）" in zh


def test_redeem_spends_points_and_refuses_more_than_the_balance(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 10000")
    alice.say("paid #1")
    assert "Redeemed 30 points of Acme for gift card. Balance: 70." in alice.say("redeem Acme 30 gift card")
    refused = alice.say("redeem Acme 71 mug")
    assert "Acme has 70 points, fewer than 71; nothing was redeemed." in refused
    assert "只有 70 积分，不足 500" in alice.say("兑换 Acme 500 年会礼品")
    assert "reason" in alice.say("redeem Acme 5") or "原因" in alice.say("兑换 Acme 5")
    assert "between 1 and" in alice.say("redeem Acme 0 nothing")
    assert _balance(engine) == 70
    assert [e.kind for e in _entries(engine)] == ["earn", "redeem"]
    with Session(engine) as session:
        assert session.exec(select(AuditLog).where(AuditLog.entity == "points")).one().user_id is not None
    assert "https" not in chat.user("bob").say("redeem Acme 10 theft") and _balance(engine) == 70


def test_undoing_a_payment_takes_its_points_back_but_never_below_zero(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 10000")
    alice.say("paid #1")
    alice.say("redeem Acme 40 gift")
    undone = alice.say("unpaid #1")
    assert "unpaid again. 60 loyalty points taken back. 40 points it earned had already been redeemed" in undone
    assert _balance(engine) == 0
    assert "not marked paid" in alice.say("unpaid #1")
    alice.say("paid #1")  # paid again: earns again
    assert _balance(engine) == 100


def test_the_database_refuses_a_negative_balance(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 1000")
    alice.say("paid #1")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE loyalty_account SET balance = balance - 11"))
    assert _balance(engine) == 10


def test_concurrent_redemptions_cannot_overspend(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 10000")
    alice.say("paid #1")  # 100 points
    barrier = threading.Barrier(6)
    replies: list[str] = []

    def spend(n: int) -> None:
        barrier.wait()
        replies.append(chat.user("alice").say(f"redeem Acme 30 gift {n}", message_id=f"redeem-{n}"))

    threads = [threading.Thread(target=spend, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sum("Redeemed 30" in reply for reply in replies) == 3, replies
    assert sum("nothing was redeemed" in reply for reply in replies) == 3, replies
    assert _balance(engine) == 10
    assert sum(e.delta for e in _entries(engine)) == 10


@pytest.fixture
def config_overrides():
    return {"loyalty": {"expire_after_months": 12}}


def test_unspent_points_expire_after_the_configured_months(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 10000")
    alice.say("paid #1")
    alice.say("redeem Acme 30 gift")
    today = clock.now().date()
    assert expire_points(engine, settings, today=today + timedelta(days=364), now=clock.now()) == 0
    assert expire_points(engine, settings, today=date(2027, 11, 18), now=clock.now()) == 70
    assert _balance(engine) == 0 and _entries(engine)[-1].kind == "expire"
    assert expire_points(engine, settings, today=date(2027, 11, 19), now=clock.now()) == 0  # once
    assert "expired -70" in alice.say("points Acme")
