"""Orders and payments: amounts in every form, due dates, stage and tier derivation, `paid`, access."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer, Order


def _orders(engine) -> list[Order]:
    with Session(engine) as session:
        return list(session.exec(select(Order).order_by(Order.id)).all())


def _customer(engine) -> Customer:
    with Session(engine) as session:
        return session.exec(select(Customer)).one()


def test_order_with_due_date_and_items(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say('order Acme 12000 due:2026-12-31 items:"20 pumps"')
    assert "Recorded order #1 for Acme (#1): CNY 12,000.00 on 2026-11-18 (20 pumps). Payment due Thu 2026-12-31." in out
    assert "Stage: lead → first purchase." in out
    (order,) = _orders(engine)
    assert order.amount == Decimal("12000.00") and order.currency == "CNY"
    assert order.payment_due == date(2026, 12, 31) and order.items == "20 pumps"
    assert _customer(engine).stage == "first_purchase"
    assert "#1 CNY 12,000.00 · 2026-11-18 · due 2026-12-31" in alice.say("show Acme")


@pytest.mark.parametrize(
    ("typed", "amount", "currency"),
    [("1.2万", "12000.00", "CNY"), ("¥3,500", "3500.00", "CNY"), ("USD500", "500.00", "USD"),
     ("12k currency:eur", "12000.00", "EUR"), ("800 币种:美元", "800.00", "USD"),
     ("一万二", "12000.00", "CNY"), ("三万五千", "35000.00", "CNY"), ("1.5万", "15000.00", "CNY"),
     ("两千", "2000.00", "CNY"), ("十二", "12.00", "CNY"), ("两千五百元", "2500.00", "CNY"),
     ("5千美元", "5000.00", "USD")],
)
def test_amount_forms(chat, engine, typed, amount, currency):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say(f"order Acme {typed}")
    (order,) = _orders(engine)
    assert (order.amount, order.currency) == (Decimal(amount), currency)


def test_chinese_order_and_payment(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("订单 albb 1.2万 回款期:下个月 明细:服务器")
    assert "已为 阿里巴巴（#1）记录订单 #1：CNY 12,000.00，日期 2026-11-18（服务器）。回款期 12月18日 周五。" in out
    assert "阶段：线索 → **首次购买**" not in out  # markdown is rendered for the terminal
    assert "阶段：线索 → 首次购买" in out
    alice.say("订单 albb 5000 日期:2026-11-15")
    assert "已回款（2026-11-17）" in alice.say("回款 #2 昨天")
    (_, order) = _orders(engine)
    assert order.paid_at == datetime(2026, 11, 17, 4, 0, tzinfo=UTC)  # local noon in Shanghai


def test_stage_moves_to_repeat_then_loyal_and_tier_follows_revenue(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 60000 date:2026-10-10")
    assert _customer(engine).stage == "first_purchase"
    out = alice.say("order Acme 50000")
    assert "Stage: first purchase → repeat." in out and "Tier: normal → key." in out
    for _ in range(3):
        alice.say("order Acme 1000")
    customer = _customer(engine)
    assert (customer.stage, customer.tier) == ("loyal", "key")
    alice.say("order Acme 400000")
    assert _customer(engine).tier == "vip"


def test_a_back_dated_order_after_a_long_silence_reads_as_churned(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("order Acme 500 date:2026-01-10")
    assert "Stage: lead → churned." in out  # the only contact was ten months ago
    alice.say("order Acme 500")
    assert _customer(engine).stage == "repeat"  # a fresh order is contact again


def test_old_orders_do_not_count_towards_the_tier_and_manual_tier_is_kept(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 900000 date:2025-06-01")
    assert _customer(engine).tier == "normal"  # more than 12 months ago
    alice.say("edit Acme tier:normal")
    alice.say("order Acme 900000")
    assert _customer(engine).tier == "normal"  # set by hand: never recomputed


def test_order_and_derived_changes_are_audited(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 120000 due:2026-12-01")
    with Session(engine) as session:
        created = session.exec(select(AuditLog).where(AuditLog.entity == "order")).one()
        derived = session.exec(select(AuditLog).where(AuditLog.entity == "customer", AuditLog.action == "update")).one()
    assert json.loads(created.after)["amount"] == "120000.00"
    assert json.loads(derived.before) == {"stage": "lead", "tier": "normal"}
    assert json.loads(derived.after) == {"stage": "first_purchase", "tier": "key"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("order Acme abc", '"abc" is not an amount'),
        ("order Acme -5", "not an amount"),
        ("order Acme 100 due:someday", "names no day"),
        ("order Acme 100 date:tomorrow", "is in the future"),
        ("order Acme 100 date:2026-11-10 due:2026-11-01", "before the order date"),
        ("order Acme USD100 currency:EUR", "The amount says USD but currency: says EUR"),
        ("order Acme 100 currency:dollars", '"dollars" is not a currency'),
        ("order Acme 100 colour:red", 'Unknown field "colour"'),
        ("order Acme", "Missing amount"),
        ("订单 Acme 100 日期:明天", "还没到"),
    ],
)
def test_bad_order_input_changes_nothing(chat, engine, line, expected):
    alice = chat.user("alice")
    alice.say("new Acme")
    before = _customer(engine).model_dump()
    assert expected in alice.say(line)
    assert _orders(engine) == []
    assert _customer(engine).model_dump() == before


def test_paid_twice_and_bad_references(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 100")
    assert "Order #1 of Acme (#1), CNY 100.00, is paid (2026-11-18)." in alice.say("paid #1")
    paid_at = _orders(engine)[0].paid_at
    assert "already marked paid (2026-11-18); nothing was changed" in alice.say("paid 1 2026-11-10")
    assert _orders(engine)[0].paid_at == paid_at
    assert "not an order number" in alice.say("paid x")
    assert "No order #9 among your customers" in alice.say("paid #9")


def test_payment_date_in_the_future_is_refused(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 100")
    assert "once the money has arrived" in alice.say("paid #1 tomorrow")
    assert _orders(engine)[0].paid_at is None


def test_another_rep_cannot_order_for_or_mark_paid_your_customer(chat, engine):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme")
    alice.say("order Acme 100")
    assert bob.say("order #1 500") == bob.say("order #99 500").replace("#99", "#1")
    assert bob.say("paid #1") == bob.say("paid #99").replace("#99", "#1")
    (order,) = _orders(engine)
    assert order.paid_at is None


def test_a_payment_before_the_order_is_refused_and_paid_alone_means_today(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 100 date:2026-11-10")
    out = alice.say("paid #1 2020-01-01")
    assert "placed on 2026-11-10, so it cannot have been paid on 2020-01-01" in out
    assert _orders(engine)[0].paid_at is None
    assert "订单 #1 的下单日期是 2026-11-10，不可能在 2026-11-01 回款" in alice.say("回款 #1 2026-11-01")
    assert _orders(engine)[0].paid_at is None
    assert "is paid (2026-11-18)" in alice.say("paid #1")


def test_a_due_date_before_the_order_says_why(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("order Acme 100 due:2026-11-01")
    assert "before the order date 2026-11-18: payment cannot fall due before the order" in out
    assert "回款不能在下单之前到期" in alice.say("订单 Acme 100 回款期:2026-11-01")
    assert _orders(engine) == []
