"""`share` posts a redacted card; `report` gives managers per-rep figures; `digest` says where digests go."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, DigestSubscription


@pytest.fixture
def config_overrides():
    return {
        "roles": {"admins": ["root"]},
        "teams": [
            {"name": "east", "managers": ["mia", "slack:T1/UMIA"], "members": ["alice", "bob"]},
            {"name": "west", "managers": ["wes"], "members": ["carl"]},
        ],
    }


def test_share_returns_a_public_redacted_card(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme phone:13800138000 email:sales@acme.com")
    alice.say("contact Acme Zhang Wei phone:13900139000 title:CEO")
    alice.say("order Acme 12000 due:2026-12-31")
    out = alice.say("share Acme", channel="C-team", direct=False)
    (reply,) = alice.last
    assert reply.private is False and reply.share_customer_id == 1
    assert reply.card is not None and reply.card.customer_id == 1
    assert "Acme #1" in out and "Zhang Wei · CEO" in out
    for secret in ("13800138000", "sales@acme.com", "13900139000", "12,000"):
        assert secret not in out
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "share")).one()
    assert audit.entity_id == 1


def test_share_in_chinese(chat):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴 电话:13900139000")
    out = alice.say("分享 albb", channel="group-1", direct=False)
    assert "阿里巴巴 #1" in out and "负责人: alice" in out
    assert "13900139000" not in out
    assert alice.last[0].share_customer_id == 1 and alice.last[0].private is False


def test_another_rep_cannot_share_your_customer(chat):
    chat.user("alice").say("new Acme")
    carl = chat.user("carl")
    assert carl.say("share #1") == carl.say("share #99").replace("#99", "#1")
    assert carl.last[0].share_customer_id is None


def test_manager_report_per_rep_for_their_teams(chat, clock):
    alice, bob, carl = chat.user("alice"), chat.user("bob"), chat.user("carl")
    clock.set(datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    alice.say("new Old Customer")  # older than a week, inside the month
    clock.set(datetime(2026, 11, 18, 2, 0, tzinfo=UTC))
    alice.say("new Acme")
    alice.say("log Acme called next:tomorrow send quote")
    alice.say("order Acme 12000")
    alice.say("order Acme USD500")
    bob.say("new Beta")
    bob.say("log Beta called next:today 11:00 call back")
    carl.say("new Westco")
    clock.set(datetime(2026, 11, 18, 4, 0, tzinfo=UTC))  # noon in Shanghai: bob's step is overdue
    week = chat.user("mia").say("report")
    assert "Team report, 2026-11-12 – 2026-11-18 (last 7 days)" in week
    assert ("- alice (east): activity: 1 follow-up · book: 1 new customer · 2 orders (CNY 12,000.00; USD 500.00)"
            " · 0 overdue steps") in week
    assert "- bob (east): activity: 1 follow-up · book: 1 new customer · 0 orders · 1 overdue step" in week
    assert "carl" not in week
    assert "Total: activity: 2 follow-ups · book: 2 new customers · 2 orders" in week
    assert "Activity counts the follow-ups each person logged; book figures" in week
    month = chat.user("mia").say("报表 本月")
    assert "- alice（east）：活动：跟进 1 次 · 客户簿：新客户 2 个" in month
    assert "按客户当前负责人统计" in month
    assert "- carl (west)" in chat.user("root").say("report month")


def test_reps_may_not_see_reports_or_subscribe(chat, engine):
    alice = chat.user("alice")
    assert "Only managers and admins can use report" in alice.say("report")
    assert "Only managers and admins can use digest" in alice.say("digest daily")
    with Session(engine) as session:
        assert session.exec(select(DigestSubscription)).all() == []


def test_digest_subscription_dm_here_and_off(chat, engine):
    mia = chat.user("UMIA", platform="slack", workspace="T1")
    assert "will come to you as a direct message" in mia.say("digest daily")
    assert "will be posted in this channel" in mia.say("digest weekly here", channel="C42", direct=False)
    assert "已关闭每日摘要" in mia.say("订阅 每日 关闭")
    with Session(engine) as session:
        rows = {s.kind: (s.target, s.enabled) for s in session.exec(select(DigestSubscription)).all()}
        audits = session.exec(select(AuditLog.action).where(AuditLog.entity == "digest_subscription")
                             .order_by(AuditLog.id)).all()
    assert rows == {"daily": ("dm", False), "weekly": ("slack:T1:C42", True)}
    assert audits == ["create", "create", "update"]
    assert '"monthly" is not a valid kind' in mia.say("digest monthly")


def test_report_credits_activity_to_the_author_and_the_book_to_the_current_owner(chat):
    alice, mia = chat.user("alice"), chat.user("mia")
    chat.user("bob").say("help")
    alice.say("new Acme")
    alice.say("log Acme called them")
    alice.say("order Acme 100")
    mia.say("assign Acme bob")
    week = mia.say("report")
    assert "- alice (east): activity: 1 follow-up · book: 0 new customers · 0 orders" in week
    assert "- bob (east): activity: 0 follow-ups · book: 1 new customer · 1 order (CNY 100.00)" in week
