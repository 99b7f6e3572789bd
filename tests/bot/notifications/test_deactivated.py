"""A deactivated person gets no pushes: their due steps and reminders go to their team's manager until a
handover, rows queued before the deactivation are dropped, and the digest names them while their book waits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from storage.models import Reminder, User
from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


def _deactivate(engine, user_id: int) -> None:
    with Session(engine) as session:
        user = session.get(User, user_id)
        user.deactivated_at = datetime(2026, 11, 1, tzinfo=UTC)
        session.add(user)
        session.commit()


def test_a_deactivated_reps_steps_and_reminders_go_to_their_manager(world, engine):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    acme = world.customer("Acme", alice)
    world.step(acme, due_at=local(SH, 2026, 11, 18, 10, 0), zone=SH, step="send the contract")
    with Session(engine) as session:
        session.add(Reminder(tenant="console", assignee_id=alice, customer_id=acme, text="call the CFO", timezone=SH, created_by=alice,
                             due_at=local(SH, 2026, 11, 18, 10, 0).astimezone(UTC), due_date=date(2026, 11, 18)))
        session.commit()
    _deactivate(engine, alice)

    report = world.tick(local(SH, 2026, 11, 18, 10, 5))

    due = sorted(d for d in delivered(report) if d[0] in ("followup_due", "reminder_due"))
    assert due == [("followup_due", "maria"), ("reminder_due", "maria")]
    assert world.sender.to("alice") == []
    assert any("send the contract" in text for text in world.sender.texts("maria"))


def test_nobody_is_pushed_for_a_deactivated_rep_without_a_manager_and_queued_rows_are_dropped(world, engine):
    alice = world.user("alice", tz=SH)
    world.step(world.customer("Acme", alice), due_at=local(SH, 2026, 11, 18, 10, 0), zone=SH)
    world.tick(local(SH, 2026, 11, 18, 10, 0))  # queued and delivered to alice while active
    bob = world.user("bob", tz=SH)
    world.step(world.customer("Beta", bob), due_at=local(SH, 2026, 11, 18, 11, 0), zone=SH)
    world.senders.clear()  # the platform is away: bob's row stays queued
    world.tick(local(SH, 2026, 11, 18, 11, 0))
    _deactivate(engine, bob)
    world.senders["console"] = world.sender

    report = world.tick(local(SH, 2026, 11, 18, 12, 0))

    assert delivered(report) == [] and world.sender.to("bob") == []
    dropped = [row for row in world.outbox() if row.recipient_id == bob]
    assert [(row.status, row.last_error.split(":")[0]) for row in dropped] == [("dead", "deactivated")]


def test_the_digest_names_deactivated_people_whose_book_waits_for_a_handover(world, engine):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    world.step(world.customer("Acme", alice), due_date=date(2026, 11, 25))
    world.customer("Globex", alice)
    _deactivate(engine, alice)

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    [digest] = [t for t in world.sender.texts("maria") if "Daily digest" in t]
    assert "Deactivated, book not handed over (1)" in digest and "alice: 2 customers, 1 open step" in digest
