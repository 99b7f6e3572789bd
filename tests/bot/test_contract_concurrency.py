"""Contract writes under real concurrent threads (PostgreSQL and SQLite): renewals make one successor whatever
the interleaving (the database's unique successor key), edits of one contract all stick, an `end` racing a
`renew` leaves one consistent outcome, and concurrent contracts all land."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import AuditLog, Contract
from tests.bot.test_concurrency import at_once, no_errors, say
from tests.support.chat import Chat


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob", "carl"],
                       "shares_customers": True}]}


@pytest.fixture
def people(chat: Chat):
    users = {name: chat.user(name) for name in ("alice", "bob", "carl", "mia")}
    for user in users.values():
        user.say("help")
    return users


def _contracts(engine) -> list[Contract]:
    with Session(engine) as session:
        return list(session.exec(select(Contract).order_by(Contract.id)).all())


def test_concurrent_renewals_of_one_contract_create_exactly_one_successor(bot, engine, people):
    people["alice"].say("new Acme")
    people["alice"].say("contract Acme Service amount:1000 start:2026-01-01 end:2026-12-31")
    outs = at_once([lambda name=name: say(bot, name, "renew C1") for name in ("alice", "bob", "carl", "mia") * 2])
    no_errors(outs)
    outs = [out.replace("*", "") for out in outs]
    assert sum("Renewed C1 as C2" in out for out in outs) == 1, outs
    assert sum("already renewed as C2" in out for out in outs) == 7
    successors = [c for c in _contracts(engine) if c.renewed_from_id == 1]
    assert len(successors) == 1 and successors[0].id == 2
    with Session(engine) as session:
        creates = session.exec(select(func.count()).select_from(AuditLog).where(
            AuditLog.entity == "contract", AuditLog.action == "create")).one()
    assert creates == 2


def test_concurrent_edits_of_one_contract_all_stick(bot, engine, people):
    people["alice"].say("new Acme")
    people["alice"].say("contract Acme Service amount:1000 start:2026-01-01 end:2026-12-31")
    edits = ['edit C1 title:"Gold service"', "edit C1 amount:2500", "edit C1 end:2027-06-30", "edit C1 renew:auto"]
    outs = at_once([lambda line=line, n=n: say(bot, ("alice", "bob")[n % 2], line) for n, line in enumerate(edits)])
    no_errors(outs)
    (contract,) = _contracts(engine)
    assert (contract.title, contract.amount, contract.ends_on.isoformat(), contract.auto_renew) == (
        "Gold service", Decimal("2500.00"), "2027-06-30", True)


def test_an_end_racing_renewals_leaves_one_consistent_outcome(bot, engine, people):
    people["alice"].say("new Acme")
    people["alice"].say("contract Acme Service start:2026-01-01 end:2026-12-31")
    jobs = [lambda: say(bot, "alice", "end C1 reason:lost"), lambda: say(bot, "bob", "renew C1"),
            lambda: say(bot, "carl", "续约 C1"), lambda: say(bot, "mia", "终止 C1")]
    no_errors(at_once(jobs))
    first, *rest = _contracts(engine)
    if first.ended_on is not None:
        assert rest == []  # ended first: nothing renewed it
    else:
        assert [c.renewed_from_id for c in rest] == [1]  # renewed first: the ends were refused


def test_concurrent_contracts_all_land(bot, engine, people):
    people["alice"].say("new Acme")
    outs = at_once([lambda n=n: say(bot, ("alice", "bob", "carl")[n % 3], f"contract Acme Deal{n} amount:{100 + n}")
                    for n in range(9)])
    no_errors(outs)
    assert sorted(int(c.amount) for c in _contracts(engine)) == list(range(100, 109))
