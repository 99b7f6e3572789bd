"""The nightly pass: stages follow the contact rhythm and orders (a long-silent lead shows as churned on its card,
as `today` and the digest call it), tiers follow the trailing-12-month value with configurable thresholds, a tier
set by hand stays, every change is audited, and the pass runs once a day."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer, Order
from tests.bot.notifications.helpers import World, local

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {"lifecycle": {"tier_key": 50000, "tier_vip": 200000}}


@pytest.fixture
def world(engine, settings, clock) -> World:
    return World(engine, settings, clock)


def _customer(engine, name: str) -> Customer:
    with Session(engine) as session:
        return session.exec(select(Customer).where(Customer.name == name)).one()


def test_stages_and_tiers_move_overnight_and_are_audited(world, engine, chat):
    alice = world.user("alice", tz=SH)
    silent = world.customer("Silent Lead", alice, created=datetime(2025, 6, 1, tzinfo=local(SH, 2025, 6, 1).tzinfo))
    big = world.customer("Big Buyer", alice)
    fixed = world.customer("Fixed Tier", alice)
    with Session(engine) as session:
        for customer in (big, fixed):
            session.add(Order(customer_id=customer, amount=Decimal("250000"), ordered_on=date(2026, 10, 1),
                              created_by=alice))
        manual = session.get(Customer, fixed)
        manual.tier, manual.tier_manual = "key", True
        session.add(manual)
        session.commit()
    assert _customer(engine, "Silent Lead").stage == "lead"

    world.tick(local(SH, 2026, 11, 19, 1, 30))  # before the night's hour: nothing yet
    assert _customer(engine, "Big Buyer").tier == "normal"
    world.tick(local(SH, 2026, 11, 19, 2, 5))
    assert _customer(engine, "Silent Lead").stage in ("at_risk", "churned")
    assert (_customer(engine, "Big Buyer").tier, _customer(engine, "Big Buyer").stage) == ("vip", "first_purchase")
    assert _customer(engine, "Fixed Tier").tier == "key"  # set by hand: kept
    with Session(engine) as session:
        audits = session.exec(select(AuditLog).where(AuditLog.entity_id == big, AuditLog.entity == "customer")).all()
    assert any(json.loads(a.after) == {"stage": "first_purchase", "tier": "vip", "via": "nightly"} for a in audits)
    show = chat.user("alice").say(f"show #{silent}")
    assert "Stage: at risk" in show or "Stage: churned" in show

    with Session(engine) as session:
        changed = session.get(Customer, big)
        changed.tier = "normal"
        session.add(changed)
        session.commit()
    world.tick(local(SH, 2026, 11, 19, 3, 5))  # once a day
    assert _customer(engine, "Big Buyer").tier == "normal"
    world.tick(local(SH, 2026, 11, 20, 2, 5) + timedelta(minutes=1))
    assert _customer(engine, "Big Buyer").tier == "vip"
