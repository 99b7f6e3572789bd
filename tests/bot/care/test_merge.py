"""`查重` finds likely duplicates; `merge` moves everything the dropped customer owned to the kept one and
`unmerge` puts back exactly what moved; both are safe under concurrency and respect who may change what."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, SQLModel, func, select

import storage.models  # noqa: F401  (every table registered)
from bot.services.customer_rows import NOT_OWNED, OWNED
from bot.services.surveys import answer_survey
from storage.models import (
    AuditLog,
    Contact,
    Customer,
    CustomerMerge,
    FollowUp,
    LoyaltyAccount,
    Order,
    PointsEntry,
    Reminder,
    Satisfaction,
)

COUNTED = (Contact, FollowUp, Order, PointsEntry, Reminder, Satisfaction)


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"]}],
            "http": {"public_url": "https://crm.example.com"}}


def _rows(engine, customer_id: int) -> dict[str, int]:
    with Session(engine) as session:
        return {model.__tablename__: session.exec(select(func.count()).select_from(model)
                                                  .where(model.customer_id == customer_id)).one()
                for model in COUNTED}


def _customer(engine, customer_id: int) -> Customer:
    with Session(engine) as session:
        return session.get(Customer, customer_id)


def _book(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme Trading phone:13800138000")
    alice.say("new Acme Trading Ltd phone:13800138000 email:buy@acme.example industry:机械 force:yes")
    alice.say("contact #2 Lily title:采购")
    alice.say("log #2 called next:tomorrow send the quote")
    alice.say("log #1 visited")
    alice.say("order #2 10000")
    alice.say("paid #1")  # 100 points on #2
    alice.say("remind #2 tomorrow 10:00 call Lily")
    reply = alice.say("survey #2")
    token = reply.split("/s/")[1].split()[0]
    answer_survey(engine, settings, token, score_text="4", comment=None, now=clock.now())
    return alice


def test_dupes_then_merge_then_unmerge_count_every_row(chat, engine, settings, clock):
    alice = _book(chat, engine, settings, clock)
    found = alice.say("查重")
    assert "可能重复的客户" in found and "#1 Acme Trading ⇐ #2 Acme Trading Ltd（电话相同）" in found
    merge_button = next(a for r in alice.last if r.card for a in r.card.actions if a.action_id == "merge")
    before_keep, before_drop = _rows(engine, 1), _rows(engine, 2)
    assert before_drop == {"contact": 1, "followup": 2, "sales_order": 1, "points_entry": 1, "reminder": 1,
                           "satisfaction": 1}

    merged = alice.say(merge_button.value)  # the one-click button
    assert "已把 Acme Trading Ltd（#2）合并到 Acme Trading（#1）：转入 1 位联系人、2 条跟进记录、1 笔订单" in merged
    assert "补全了：行业、邮箱" in merged
    assert _rows(engine, 2) == dict.fromkeys(before_drop, 0)
    assert _rows(engine, 1) == {k: before_keep[k] + before_drop[k] for k in before_keep}
    keep, drop = _customer(engine, 1), _customer(engine, 2)
    assert drop.deleted_at is not None and drop.merged_into_id == 1
    assert keep.email == "buy@acme.example" and keep.industry == "机械"
    assert keep.next_step == "send the quote"  # the dropped customer's open step is the kept one's now
    with Session(engine) as session:
        assert session.get(LoyaltyAccount, 1).balance == 100 and session.get(LoyaltyAccount, 2).balance == 0
        audited = session.exec(select(AuditLog).where(AuditLog.action == "merge")).all()
        assert sorted(a.entity_id for a in audited) == [1, 2]
    assert "Acme Trading Ltd" not in alice.say("find acme")

    undone = alice.say("撤销合并 #2")
    assert "已恢复" in undone
    assert _rows(engine, 1) == before_keep and _rows(engine, 2) == before_drop
    keep, drop = _customer(engine, 1), _customer(engine, 2)
    assert drop.deleted_at is None and drop.merged_into_id is None
    assert keep.email is None and keep.industry is None and keep.next_step is None
    assert drop.next_step == "send the quote"
    with Session(engine) as session:
        assert session.get(LoyaltyAccount, 1).balance == 0 and session.get(LoyaltyAccount, 2).balance == 100
    assert "nothing to undo" in alice.say("unmerge #2") or "无需撤销" in alice.say("撤销合并 #2")


def test_two_open_steps_one_survives_the_merge_and_both_come_back(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("new Acme Ltd force:yes")
    alice.say("log #1 called next:tomorrow call back")
    alice.say("log #2 called next:friday send samples")
    alice.say("merge #1 #2")
    with Session(engine) as session:
        open_steps = session.exec(select(FollowUp).where(FollowUp.next_due_at.is_not(None),
                                                         FollowUp.done_at.is_(None))).all()
        assert [s.next_step for s in open_steps] == ["call back"]
    alice.say("unmerge #2")
    with Session(engine) as session:
        steps = {s.customer_id: s.next_step for s in session.exec(
            select(FollowUp).where(FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None))).all()}
    assert steps == {1: "call back", 2: "send samples"}


def test_who_may_merge(chat, engine):
    alice, bob, mia = chat.user("alice"), chat.user("bob"), chat.user("mia")
    alice.say("new Acme")
    bob.say("new Acme Ltd force:yes")
    assert "Merged" not in alice.say("merge #1 #2")  # a rep merges within their own book only
    assert _customer(engine, 2).deleted_at is None
    assert "Merged" in mia.say("merge #1 #2")  # a manager across the team
    assert "Acme Ltd" not in bob.say("dupes")


def test_refusals_change_nothing(chat, engine, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("new Acme Ltd force:yes")
    assert "两个不同的客户" in alice.say("合并 #1 #1")
    alice.say("merge #1 #2")
    assert "use unmerge #2" in alice.say("restore #2")
    assert _customer(engine, 2).deleted_at is not None
    clock.set(clock.now() + timedelta(days=31))
    assert "more than 30 days ago" in alice.say("unmerge #2")
    assert _customer(engine, 2).deleted_at is not None


def test_concurrent_merges_of_the_same_pair_merge_once(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("new Acme Ltd force:yes")
    alice.say("log #1 one")
    alice.say("log #2 two")
    barrier = threading.Barrier(2)
    replies: list[str] = []

    def merge(text: str, n: int) -> None:
        barrier.wait()
        replies.append(chat.user("alice").say(text, message_id=f"merge-{n}"))

    threads = [threading.Thread(target=merge, args=(text, n)) for n, text in enumerate(("merge #1 #2", "merge #2 #1"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sum("Merged" in r for r in replies) == 1, replies
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CustomerMerge)).one() == 1
        live = session.exec(select(Customer).where(Customer.deleted_at.is_(None))).all()
        assert len(live) == 1
        assert session.exec(select(func.count()).select_from(FollowUp)
                            .where(FollowUp.customer_id == live[0].id)).one() == 2


def test_every_table_that_names_a_customer_is_declared_once():
    declared = {owned.name for owned in OWNED}
    naming = {table.name for table in SQLModel.metadata.tables.values()
              if any(fk.column.table.name == "customer" for fk in table.foreign_keys)}
    missing = naming - declared - NOT_OWNED
    assert not missing, f"declare these in bot/services/customer_rows.py OWNED (or NOT_OWNED): {sorted(missing)}"
