"""Contract renewal reminders: the owner hears 30 and 7 days before a contract's last day, the manager when it
ended with no renewal and no follow-up, and an auto-renewing contract rolls forward once with a notice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from storage.models import Contract, Customer
from tests.bot.notifications.helpers import delivered, local
from tests.bot.test_concurrency import at_once

SH = "Asia/Shanghai"


def _contract(world, customer: int, *, ends: date, starts: date = date(2026, 1, 1), auto: bool = False,
              amount: str | None = "120000") -> int:
    with Session(world.engine) as session:
        owner = session.get(Customer, customer).owner_id
        contract = Contract(customer_id=customer, title="Annual service", starts_on=starts, ends_on=ends,
                            auto_renew=auto, amount=Decimal(amount) if amount else None, created_by=owner)
        session.add(contract)
        session.commit()
        return contract.id


def _contracts(world) -> list[Contract]:
    with Session(world.engine) as session:
        return list(session.exec(select(Contract).order_by(Contract.id)).all())


def test_the_owner_hears_30_and_7_days_before_the_end_once_each(world):
    alice = world.user("alice", tz=SH)
    contract = _contract(world, world.customer("Acme", alice), ends=date(2026, 12, 31))

    assert delivered(world.tick(local(SH, 2026, 11, 30, 9, 0))) == []
    report = world.tick(local(SH, 2026, 12, 1, 9, 0))
    assert delivered(report) == [("contract_renewal", "alice")]
    assert report.dispatched.delivered[0].occasion == f"contract#{contract}@2026-12-01"
    [text] = world.sender.texts("alice")
    assert "Contract ends in 30 days" in text and "C1 Annual service (CNY 120,000.00) ends Thu 2026-12-31" in text
    assert "renew C1" in text
    assert delivered(world.tick(local(SH, 2026, 12, 1, 15, 0))) == []  # once per occasion
    assert delivered(world.tick(local(SH, 2026, 12, 24, 9, 0))) == [("contract_renewal", "alice")]
    assert "Contract ends in 7 days" in world.sender.texts("alice")[-1]


def test_a_chinese_owner_is_reminded_in_chinese_and_a_late_bot_catches_up(world):
    alice = world.user("alice", tz=SH, lang="zh")
    _contract(world, world.customer("阿里巴巴", alice), ends=date(2026, 12, 31))
    world.tick(local(SH, 2026, 11, 28, 9, 0))
    assert delivered(world.tick(local(SH, 2026, 12, 3, 10, 0))) == [("contract_renewal", "alice")]  # down 5 days
    [text] = world.sender.texts("alice")
    assert "合同 28 天后到期" in text and "阿里巴巴" in text and "续约 C1" in text


def test_a_renewed_or_terminated_contract_is_not_chased(world, chat):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    _contract(world, acme, ends=date(2026, 12, 31))
    _contract(world, acme, ends=date(2026, 12, 31))
    world.clock.set(local(SH, 2026, 11, 30, 9, 0))
    assert "Renewed" in chat.user("alice").say("renew C1")
    assert "Terminated" in chat.user("alice").say("end C2")
    assert delivered(world.tick(local(SH, 2026, 12, 1, 9, 0))) == []
    assert delivered(world.tick(local(SH, 2026, 12, 24, 9, 0))) == []


def test_the_manager_hears_when_it_ended_unrenewed_and_nobody_followed_up(world, chat):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    quiet = world.customer("Quiet Ltd", alice)
    busy = world.customer("Busy Ltd", alice)
    _contract(world, quiet, ends=date(2026, 12, 31))
    _contract(world, busy, ends=date(2026, 12, 31))
    world.contacts_on(busy, date(2026, 12, 15))  # the owner talked to them after the first reminder

    assert ("contract_renewal", "maria") not in delivered(world.tick(local(SH, 2026, 12, 31, 9, 0)))
    report = world.tick(local(SH, 2027, 1, 1, 9, 0))
    assert [d for d in delivered(report) if d[0] == "contract_renewal"] == [("contract_renewal", "maria")]
    [text] = [t for t in world.sender.texts("maria") if "Contract ended" in t]
    assert "Contract ended without renewal" in text and "Quiet Ltd (alice)" in text and "C1" in text
    assert ("contract_renewal", "maria") not in delivered(world.tick(local(SH, 2027, 1, 2, 9, 0)))


def test_an_auto_renewing_contract_rolls_forward_once_with_a_notice(world):
    alice = world.user("alice", tz=SH)
    world.user("maria", tz=SH, role="manager")
    _contract(world, world.customer("Acme", alice), ends=date(2026, 12, 31), auto=True)

    world.tick(local(SH, 2026, 12, 1, 9, 0))
    assert "It renews automatically on its last day." in world.sender.texts("alice")[-1]
    world.tick(local(SH, 2026, 12, 31, 8, 0))  # before the owner's morning hour: not yet
    assert len(_contracts(world)) == 1
    report = world.tick(local(SH, 2026, 12, 31, 9, 0))
    assert [d for d in delivered(report) if d[0] == "contract_renewal"] == [("contract_renewal", "alice")]
    old, new = _contracts(world)
    assert (new.renewed_from_id, new.starts_on, new.ends_on, new.auto_renew) == (
        old.id, date(2027, 1, 1), date(2027, 12, 31), True)
    assert "Contract renewed automatically" in world.sender.texts("alice")[-1]
    assert "continues as C2 until 2027-12-31" in world.sender.texts("alice")[-1]
    world.tick(local(SH, 2027, 1, 1, 9, 0))
    assert len(_contracts(world)) == 2
    assert not [t for t in world.sender.texts("maria") if "Contract" in t]  # no escalation of a renewed one


@pytest.mark.parametrize("attempt", range(2))
def test_a_manual_renewal_racing_the_roll_forward_makes_one_successor(world, bot, attempt):
    from tests.bot.test_concurrency import say

    alice = world.user("alice", tz=SH)
    _contract(world, world.customer("Acme", alice), ends=date(2026, 12, 31), auto=True)
    world.clock.set(local(SH, 2026, 12, 31, 9, 0))
    outs = at_once([lambda: world.tick(), lambda: say(bot, "alice", "renew C1"), lambda: world.tick()])
    assert "E-" not in outs[1]
    successors = [c for c in _contracts(world) if c.renewed_from_id == 1]
    assert len(successors) == 1


def test_the_digest_lists_contracts_ending_this_month_with_their_value(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    acme, beta = world.customer("Acme", alice), world.customer("Beta", alice)
    _contract(world, acme, ends=date(2026, 12, 20), amount="120000")
    _contract(world, beta, ends=date(2026, 12, 31), amount="30000")
    _contract(world, beta, ends=date(2027, 1, 5), amount="99999")  # next month: not listed
    world.tick(local(SH, 2026, 12, 2, 9, 0))
    [digest] = [t for t in world.sender.texts("maria") if "Contracts ending this month" in t]
    assert "Contracts ending this month (2, CNY 150,000.00)" in digest
    assert "2026-12-20 C1 Acme · alice · Annual service · CNY 120,000.00" in digest
    assert "C3" not in digest


def test_a_first_tick_close_to_the_end_sends_one_reminder_not_both(world):
    alice = world.user("alice", tz=SH)
    _contract(world, world.customer("Acme", alice), ends=date(2026, 12, 9))
    report = world.tick(local(SH, 2026, 12, 4, 10, 0))  # a database never ticked: catch-up reaches far back
    assert delivered(report) == [("contract_renewal", "alice")]
    assert "Contract ends in 5 days" in world.sender.texts("alice")[0]
    (push,) = world.sender.pushes
    assert [a.command for a in push.reply.card.actions][:1] == ["renew C1"]
    assert delivered(world.tick(local(SH, 2026, 12, 10, 10, 0))) == []  # ended: no reminder of the past
