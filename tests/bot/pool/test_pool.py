"""The public pool (公海): a customer nobody followed up returns to its team's pool after its owner was warned,
the old owner loses it, a teammate claims it (one claimer wins however many try at once), claims are capped,
managers assign from it, and a team may keep no pool at all."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer, PoolClaim, PoolRelease
from tests.bot.notifications.helpers import World, delivered, local
from tests.bot.test_concurrency import at_once, no_errors, say

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {
        "pool": {"release_after_days": 30, "max_per_rep": 2},
        "teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob", "carl", "dan", "eve"]},
                  {"name": "west", "members": ["walt"], "pool_release_after_days": 0}],
    }


@pytest.fixture
def world(engine, settings, clock) -> World:
    return World(engine, settings, clock)


@pytest.fixture
def people(chat, world):
    users = {name: chat.user(name) for name in ("alice", "bob", "carl", "dan", "eve", "mia", "walt")}
    world.clock.set(local(SH, 2026, 11, 2, 10, 0))
    for user in users.values():
        user.say("help")
    users["alice"].say("new Acme")
    users["alice"].say("deal Acme pumps amount:1000")
    users["walt"].say("new Westco")
    return users


def _customer(engine, name: str) -> Customer:
    with Session(engine) as session:
        return session.exec(select(Customer).where(Customer.name == name)).one()


def _pool_kinds(report) -> list[tuple[str, str]]:
    return [(kind, who) for kind, who in delivered(report) if kind.startswith("pool_")]


def test_released_after_a_warning_then_claimed_by_a_teammate(world, people, engine):
    alice, bob = people["alice"], people["bob"]
    assert _pool_kinds(world.tick(local(SH, 2026, 11, 28, 10, 0))) == []  # 26 days: not yet
    report = world.tick(local(SH, 2026, 11, 29, 10, 30))
    assert _pool_kinds(report) == [("pool_warning", "alice")]
    [warning] = [t for t in world.sender.texts("alice") if "public pool" in t]
    assert "Acme (#1) has had no follow-up" in warning and "returns to the team's pool on 2026-12-02 (in 3 days)" in warning
    assert _pool_kinds(world.tick(local(SH, 2026, 11, 30, 10, 30))) == []  # warned once

    report = world.tick(local(SH, 2026, 12, 2, 10, 30))
    assert ("pool_released", "alice") in _pool_kinds(report)
    assert _customer(engine, "Acme").pooled_at is not None
    assert "No customer matches" in alice.say("show Acme")  # the old owner lost it
    assert "Westco" not in people["walt"].say("pool")  # west keeps no pool
    assert _customer(engine, "Westco").pooled_at is None

    listed = bob.say("pool")
    assert "Public pool (1)" in listed and "#1 Acme · in the pool since 2026-12-02 · was alice's" in listed
    assert "Acme (#1) is yours now. Open claims: 1 of 2" in bob.say("claim Acme")
    assert "Open deals: 1" in bob.say("pipeline mine")  # the customer's open deal came with it
    assert "Open deals: 0" in alice.say("pipeline mine")
    assert "is no longer" in people["carl"].say("claim #1") or "No customer" in people["carl"].say("claim #1")
    acme = _customer(engine, "Acme")
    assert acme.pooled_at is None and acme.owner_id == _user_id(engine, "bob")
    assert "Acme" in bob.say("show Acme")
    with Session(engine) as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "claim")).one().entity_id == acme.id
        (release,) = session.exec(select(PoolRelease)).all()
        assert release.ended_at is not None and release.previous_owner_id == _user_id(engine, "alice")


def test_a_follow_up_keeps_the_customer_and_cancels_the_warning(world, people, engine):
    world.clock.set(local(SH, 2026, 11, 29, 9, 0))
    people["alice"].say("log Acme called them")
    assert _pool_kinds(world.tick(local(SH, 2026, 11, 29, 10, 30))) == []
    assert _pool_kinds(world.tick(local(SH, 2026, 12, 2, 10, 30))) == []
    assert _customer(engine, "Acme").pooled_at is None


def test_in_chinese(world, people, chat):
    chat.user("alice").say("设置 语言:中文")
    world.tick(local(SH, 2026, 11, 29, 10, 30))
    assert any("即将进入公海" in t and "2026-12-02（3 天后）" in t for t in world.sender.texts("alice"))
    world.tick(local(SH, 2026, 12, 2, 10, 30))
    assert "公海（1）" in people["bob"].say("公海")
    assert "现在归你负责" in people["bob"].say("领取 #1")


def test_one_claimer_wins_however_many_try_at_once(world, people, bot, engine):
    world.tick(local(SH, 2026, 12, 2, 10, 30))
    outs = at_once([lambda who=who: say(bot, who, "claim #1") for who in ("bob", "carl", "dan", "eve") * 2])
    no_errors(outs)
    assert sum("is yours now" in out for out in outs) == 1
    with Session(engine) as session:
        assert len(session.exec(select(PoolClaim)).all()) == 1
        winner = session.exec(select(Customer).where(Customer.name == "Acme")).one().owner_id
    assert winner in {_user_id(engine, n) for n in ("bob", "carl", "dan", "eve")}


def test_claims_are_capped_until_followed_up_and_hold_under_concurrency(world, people, bot, engine):
    for name in ("B1", "B2", "B3", "B4"):
        people["alice"].say(f"new {name}")
    world.tick(local(SH, 2026, 12, 2, 10, 30))
    outs = at_once([lambda n=n: say(bot, "bob", f"claim #{n}") for n in (1, 3, 4, 5, 6)])
    no_errors(outs)
    assert sum("is yours now" in out for out in outs) == 2  # max_per_rep = 2, whatever the interleaving
    assert sum("already hold 2 open claims" in out for out in outs) == 3
    mine = [c for c in _all(engine) if c.owner_id == _user_id(engine, "bob")]
    people["bob"].say(f"log #{mine[0].id} met them")
    free = next(c for c in _all(engine) if c.pooled_at is not None)
    assert "is yours now" in people["bob"].say(f"claim #{free.id}")


def test_a_manager_assigns_from_the_pool(world, people, engine):
    world.tick(local(SH, 2026, 12, 2, 10, 30))
    out = people["mia"].say("assign #1 carl")
    assert "carl" in out
    acme = _customer(engine, "Acme")
    assert acme.pooled_at is None and acme.owner_id == _user_id(engine, "carl")
    with Session(engine) as session:
        (claim,) = session.exec(select(PoolClaim)).all()
    assert claim.assigned_by == _user_id(engine, "mia")
    assert "empty" in people["bob"].say("pool")


def _all(engine) -> list[Customer]:
    with Session(engine) as session:
        return list(session.exec(select(Customer).order_by(Customer.id)).all())


def _user_id(engine, name: str) -> int:
    from storage.models import User

    with Session(engine) as session:
        return session.exec(select(User.id).where(User.name == name)).one()
