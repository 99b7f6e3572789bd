"""Deals (商机): created in Chinese and English, moved through the stages with their history kept, won into
one order, lost with a reason, edited, shown, on the customer card, and out of reach of other reps."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer, DealStageVisit, Opportunity, Order


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"]}]}


def _deal(engine, deal_id: int = 1) -> Opportunity:
    with Session(engine) as session:
        return session.get(Opportunity, deal_id)


def _visits(engine, deal_id: int = 1) -> list[DealStageVisit]:
    with Session(engine) as session:
        return list(session.exec(select(DealStageVisit).where(DealStageVisit.deal_id == deal_id)
                                 .order_by(DealStageVisit.id)).all())


def test_a_deal_created_in_chinese_moves_through_stages_and_keeps_its_history(chat, engine, clock):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("商机 阿里巴巴 服务器采购 金额:50万 预计成交:2026-12-31")
    assert "已为 阿里巴巴（#1）新建商机 D1 服务器采购，阶段：初步接洽，金额 CNY 500,000.00。" in out
    assert "加权金额" in out and "CNY 50,000.00" in out  # 10 % of the amount while qualifying
    deal = _deal(engine)
    assert (deal.stage, deal.status, deal.amount, deal.tenant) == ("qualify", "open", Decimal("500000.00"), "console")
    clock.advance(days=3)
    out = alice.say("阶段 D1 方案报价")
    assert "D1 服务器采购：初步接洽 → 方案报价（赢率 50%，加权金额 CNY 250,000.00）。" in out
    out = alice.say("stage d1 negotiation")
    assert "proposal → negotiation (70%, weighted CNY 350,000.00)" in out
    assert [(v.stage, v.left_at is None) for v in _visits(engine)] == [
        ("qualify", False), ("proposal", False), ("negotiation", True)]
    card = alice.say("查看 D1")
    assert "阶段历史" in card and "初步接洽 · 3 天" in card and "商务谈判 · 0 天（当前）" in card
    assert "商务谈判 · 70%" in card
    won = next(a for a in alice.last[0].card.actions if a.action_id == "deal_won")
    assert won.command == "赢单 D1"
    assert "已赢单" in alice.say(won.value)  # clicking it closes the deal, answered in Chinese
    assert "进行中的商机" not in alice.say("查看 阿里巴巴")


def test_stage_names_in_either_language_and_bad_ones_refused(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12k stage:需求确认")
    assert _deal(engine).stage == "needs"
    out = alice.say("stage D1 closing")
    assert '"closing" is not a pipeline stage; choose one of: qualify, needs, proposal, negotiation' in out
    assert "D1 is already in needs" in alice.say("stage D1 needs")
    out = alice.say("阶段 D1 签约")
    assert "“签约”不是商机阶段；可选：初步接洽、需求确认、方案报价、商务谈判" in out
    assert len(_visits(engine)) == 1
    assert "is not a deal" in alice.say("stage X1 needs")
    assert "No deal D99" in alice.say("show D99")


def test_won_creates_one_order_and_moves_the_customer(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12000")
    out = alice.say("won D1 order due:2026-12-31")
    assert "D1 pumps of Acme is won (CNY 12,000.00). Recorded order #1" in out
    assert "D1 is already won (order #1)" in alice.say("won D1 order")
    with Session(engine) as session:
        (order,) = session.exec(select(Order)).all()
        customer = session.exec(select(Customer)).one()
    assert (order.deal_id, order.amount, str(order.payment_due)) == (1, Decimal("12000.00"), "2026-12-31")
    assert customer.stage == "first_purchase"
    assert (_deal(engine).status, _deal(engine).stage) == ("won", "won")
    assert "Open deals" not in alice.say("show Acme")  # a won deal leaves the card's open deals


def test_won_without_order_then_the_order_later_and_in_chinese(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("商机 阿里巴巴 服务器")
    out = alice.say("赢单 D1")
    assert "已赢单" in out and "生成订单：`赢单 D1 下单`" not in out  # rendered for the terminal
    assert "没有金额，无法生成订单" in alice.say("赢单 D1 下单")
    out = alice.say("赢单 D1 下单 金额:3万")
    assert "已生成订单 #1" in out
    assert _deal(engine).amount == Decimal("30000.00")


def test_lost_needs_a_reason_and_keeps_it(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12000")
    assert "Say why the deal was lost" in alice.say("lost D1")
    assert _deal(engine).status == "open"
    assert "D1 pumps is lost: price too high." in alice.say("lost D1 reason:price too high")
    deal = _deal(engine)
    assert (deal.status, deal.lost_reason) == ("lost", "price too high")
    assert "is closed (lost)" in alice.say("lost D1 reason:again")
    out = alice.say("show D1")
    assert "Lost because" in out and "price too high" in out
    # A lost deal may be reopened (won back) by moving it to an open stage.
    alice.say("stage D1 qualify")
    assert _deal(engine).status == "open" and _deal(engine).lost_reason is None


def test_edit_a_deal_and_the_audit_log(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12000")
    out = alice.say("edit D1 amount:150k close:2027-01-15 title:\"pumps and valves\"")
    assert "Updated D1:" in out and "amount=150000.00" in out and "close=2027-01-15" in out
    out = alice.say("修改 D1 阶段:方案报价")
    assert "已修改 D1：阶段：方案报价" in out
    assert "Nothing to change" in alice.say("edit D1")
    assert "Close a deal with" in alice.say("edit D1 stage:won")
    assert "in the past" in alice.say("edit D1 close:2026-01-01")
    deal = _deal(engine)
    assert (deal.title, deal.amount, deal.stage) == ("pumps and valves", Decimal("150000.00"), "proposal")
    with Session(engine) as session:
        audits = session.exec(select(AuditLog).where(AuditLog.entity == "deal").order_by(AuditLog.id)).all()
    assert [a.action for a in audits] == ["create", "update", "update"]
    assert json.loads(audits[1].after)["title"] == "pumps and valves"
    # The customer commands still work on customers.
    assert "Updated Acme (#1)" in alice.say("edit Acme region:east")


def test_another_reps_deal_is_out_of_reach(chat, engine):
    alice, bob, mia = chat.user("alice"), chat.user("bob"), chat.user("mia")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12000")
    for line in ("show D1", "stage D1 needs", "won D1", "lost D1 reason:x", "edit D1 amount:1"):
        assert "No deal D1 among your customers." in bob.say(line)
    assert _deal(engine).stage == "qualify"
    assert "D1 pumps" in mia.say("show D1")  # the team's manager sees it


def test_shared_customer_card_leaves_deal_amounts_out(chat, engine):
    from bot.cards import customer_card

    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12000")
    card = alice.last[0].card
    assert card is not None and any(f.sensitive for f in card.fields)
    out = alice.say("show Acme")
    assert "CNY 12,000.00" in out
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
        ctx = _context(chat, session)
        shared = customer_card(ctx, customer, shared=True)
    body = "\n".join(text for _, text in shared.sections)
    assert "D1" in body and "12,000" not in body


def _context(chat, session):
    from bot.context import CommandContext
    from bot.messages import Incoming
    from storage.models import User

    user = session.exec(select(User).where(User.name == "alice")).one()
    incoming = Incoming(platform="console", workspace="", channel="c", user_id="alice", user_name="alice", text="",
                        is_direct=True)
    return CommandContext(session=session, user=user, incoming=incoming, settings=chat.bot.settings,
                          clock=chat.bot.clock, lang="en")


def test_open_deals_follow_the_customer_to_its_new_owner(chat, engine):
    alice, mia = chat.user("alice"), chat.user("mia")
    chat.user("bob").say("help")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:12000")
    alice.say("deal Acme old one amount:500")
    alice.say("won D2")
    mia.say("assign Acme bob")
    assert (_deal(engine, 1).owner_id, _deal(engine, 2).owner_id) == (_user(engine, "bob"), _user(engine, "alice"))
    mia.say("handover bob alice")
    assert _deal(engine, 1).owner_id == _user(engine, "alice")


def _user(engine, name: str) -> int:
    from storage.models import User

    with Session(engine) as session:
        return session.exec(select(User.id).where(User.name == name)).one()

