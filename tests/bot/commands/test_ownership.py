"""`assign` and `handover`: who may move customers, what moves with them, counts and audit rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer, FollowUp, Reminder, User


@pytest.fixture
def config_overrides():
    return {
        "roles": {"admins": ["root"]},
        "teams": [
            {"name": "east", "managers": ["mia"], "members": ["alice", "bob"]},
            {"name": "west", "managers": ["wes"], "members": ["carl"]},
        ],
    }


@pytest.fixture
def people(chat):
    """Everyone says hello once, so the users exist with their roles and teams."""
    users = {name: chat.user(name) for name in ("alice", "bob", "carl", "mia", "wes", "root")}
    for user in users.values():
        user.say("help")
    return users


def _customers(engine) -> dict[str, Customer]:
    with Session(engine) as session:
        return {c.name: c for c in session.exec(select(Customer)).all()}


def _user_id(engine, name: str) -> int:
    with Session(engine) as session:
        return session.exec(select(User.id).where(User.name == name)).one()


def test_rep_hands_over_their_own_customer_with_reminders(people, engine):
    alice = people["alice"]
    alice.say("new Acme")
    alice.say("remind Acme friday 15:00 send contract")
    alice.say("remind me friday unrelated")
    out = alice.say("assign Acme carl")
    assert "Acme (#1) now belongs to carl (was alice); 1 open reminder moved along." in out
    acme = _customers(engine)["Acme"]
    carl_id = _user_id(engine, "carl")
    assert acme.owner_id == carl_id
    with Session(engine) as session:
        west = session.get(User, carl_id).team_id
        reminders = session.exec(select(Reminder).order_by(Reminder.id)).all()
        audit = session.exec(select(AuditLog).where(AuditLog.action == "assign")).one()
    assert acme.team_id == west
    assert [r.assignee_id for r in reminders] == [carl_id, _user_id(engine, "alice")]
    assert json.loads(audit.after)["owner_id"] == carl_id
    assert "Acme" in people["carl"].say("show #1")


def test_date_only_steps_fall_due_at_the_new_owners_morning(people, engine):
    alice, carl = people["alice"], people["carl"]
    carl.say("settings tz:America/New_York morning:8")
    alice.say("new Acme")
    alice.say("log Acme called next:2026-11-25 send quote")
    alice.say("分配 Acme carl")
    with Session(engine) as session:
        step = session.exec(select(FollowUp)).one()
        acme = session.exec(select(Customer)).one()
    assert step.next_due_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert acme.next_followup_at == step.next_due_at


def test_rep_cannot_assign_someone_elses_customer(people, engine):
    alice, bob = people["alice"], people["bob"]
    alice.say("new Acme")
    assert bob.say("assign #1 bob") == bob.say("assign #99 bob").replace("#99", "#1")
    assert _customers(engine)["Acme"].owner_id == _user_id(engine, "alice")


def test_manager_assigns_within_reach_and_not_beyond(people, engine):
    people["alice"].say("new Acme")
    people["carl"].say("new Westco")
    assert "now belongs to bob (was alice)" in people["mia"].say("assign Acme bob")
    assert 'No customer matches "Westco"' in people["mia"].say("assign Westco bob")
    customers = _customers(engine)
    assert customers["Acme"].owner_id == _user_id(engine, "bob")
    assert customers["Westco"].owner_id == _user_id(engine, "carl")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("assign Acme nobody", 'No user matches "nobody"'),
        ("assign Acme alice", "already belongs to alice; nothing was changed"),
        ("assign Acme", "Missing user"),
        ("转交 Acme 查无此人", "没有找到用户"),
    ],
)
def test_bad_assignments_change_nothing(people, engine, line, expected):
    people["alice"].say("new Acme")
    before = _customers(engine)["Acme"].model_dump()
    assert expected in people["alice"].say(line)
    assert _customers(engine)["Acme"].model_dump() == before


def test_manager_hands_over_a_whole_book_with_counts(people, engine):
    alice, mia = people["alice"], people["mia"]
    for name in ("A1", "A2", "A3"):
        alice.say(f"new {name}")
    alice.say("log A1 called next:friday call back")
    alice.say("log A2 called next:2026-11-30 visit")
    alice.say("remind A3 friday 10:00 send brochure")
    alice.say("remind me friday personal errand")
    alice.say("delete A3")
    people["bob"].say("new B1")
    out = mia.say("交接 alice bob")
    assert "已把 alice 的客户移交给 bob：3 个客户（2 个待办下一步）和 1 条待办提醒。" in out
    bob_id, alice_id = _user_id(engine, "bob"), _user_id(engine, "alice")
    customers = _customers(engine)
    assert {name: c.owner_id for name, c in customers.items()} == {"A1": bob_id, "A2": bob_id, "A3": bob_id,
                                                                  "B1": bob_id}
    with Session(engine) as session:
        reminders = {r.text: r.assignee_id for r in session.exec(select(Reminder)).all()}
        per_customer = session.exec(select(AuditLog.entity_id).where(AuditLog.action == "assign")).all()
        summary = session.exec(select(AuditLog).where(AuditLog.action == "handover")).one()
    assert reminders == {"send brochure": bob_id, "personal errand": alice_id}
    assert sorted(per_customer) == sorted(customers[n].id for n in ("A1", "A2", "A3"))
    assert json.loads(summary.after) == {"owner_id": bob_id, "customers": 3, "open_steps": 2, "reminders": 1}
    assert "Nothing found" in alice.say("find A1")
    assert "A1" in people["bob"].say("show A1")


def test_handover_permissions(people, engine):
    people["carl"].say("new Westco")
    assert "Only managers and admins can use handover" in people["alice"].say("handover alice bob")
    assert "carl is not in a team you manage" in people["mia"].say("handover carl bob")
    assert "Both sides are alice" in people["mia"].say("handover alice alice")
    assert _customers(engine)["Westco"].owner_id == _user_id(engine, "carl")
    assert "1 customer (0 open next steps) and 0 open reminders" in people["root"].say("handover carl alice")
