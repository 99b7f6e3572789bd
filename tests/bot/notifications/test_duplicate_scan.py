"""The weekly duplicate scan: the first pass of a week finds the team's likely duplicates once, and the
manager's weekly digest lists the new ones with the command that merges each."""

from __future__ import annotations

from sqlmodel import Session, func, select

from storage.models import Customer, DuplicatePair, JobRun
from tests.bot.notifications.helpers import local

SH = "Asia/Shanghai"


def _phone(world, customer_id: int, phone: str) -> None:
    with Session(world.engine) as session:
        customer = session.get(Customer, customer_id)
        customer.phone = phone
        session.add(customer)
        session.commit()


def test_new_duplicates_reach_the_weekly_digest_once(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    outsider = world.user("olga", tz=SH, team="west")
    a = world.customer("Acme Trading", alice)
    b = world.customer("Acme Trading Ltd", alice)
    _phone(world, a, "+8613800138000")
    _phone(world, b, "+8613800138000")
    world.customer("Zeta", alice)
    world.customer("Secret", outsider)
    world.customer("Secret Ltd", outsider)  # another team (without a manager): not scanned, never in the digest

    world.tick(local(SH, 2026, 11, 23, 9, 0))  # Monday: the scan, then the weekly digest
    [weekly] = [t for t in world.sender.texts("maria") if "Weekly digest" in t]
    assert "New likely duplicates (1)" in weekly
    assert f"#{a} Acme Trading ⇐ #{b} Acme Trading Ltd (same phone; merge #{a} #{b})" in weekly
    assert "Secret" not in weekly
    with Session(world.engine) as session:
        pairs = session.exec(select(func.count()).select_from(DuplicatePair)).one()
        assert pairs == 1 and session.exec(select(func.count()).select_from(JobRun)).one() == 1

    world.tick(local(SH, 2026, 11, 23, 11, 0))  # later the same week: no second scan
    with Session(world.engine) as session:
        assert session.exec(select(func.count()).select_from(JobRun)).one() == 1
