"""A deleted customer stays quiet: its reminders and next steps wait with it (back with `restore`), and a push
already queued for it is dropped as obsolete instead of sent."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from storage.models import Reminder
from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


def _reminder(engine, alice: int, customer: int) -> None:
    with Session(engine) as session:
        session.add(Reminder(tenant="console", assignee_id=alice, customer_id=customer, due_at=local(SH, 2026, 11, 18, 15),
                             due_date=date(2026, 11, 18), timezone=SH, text="confirm the delivery date", created_by=alice))
        session.commit()


def test_a_reminder_and_a_step_on_a_customer_deleted_before_their_time_are_not_pushed(world, chat, engine):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    _reminder(engine, alice, acme)
    world.step(acme, due_at=local(SH, 2026, 11, 18, 15), zone=SH, step="send the quote")
    assert delivered(world.tick(local(SH, 2026, 11, 18, 14, 0))) == []

    chat.user("alice").say(f"delete #{acme}")
    report = world.tick(local(SH, 2026, 11, 18, 15, 0))

    assert delivered(report) == [] and report.enqueued.total == 0
    assert world.sender.texts("alice") == []
    agenda = chat.user("alice").say("today")
    assert "confirm the delivery date" not in agenda and "send the quote" not in agenda

    chat.user("alice").say(f"restore #{acme}")  # everything comes back with the customer
    assert sorted(delivered(world.tick(local(SH, 2026, 11, 18, 15, 5)))) == [("followup_due", "alice"),
                                                                            ("reminder_due", "alice")]


def test_pushes_already_queued_for_a_deleted_customer_are_dropped_as_obsolete(world, chat, engine):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    _reminder(engine, alice, acme)
    world.senders.clear()  # the platform is away: the rows stay queued
    world.tick(local(SH, 2026, 11, 18, 15, 0))
    assert len(world.outbox()) == 1
    chat.user("alice").say(f"delete #{acme}")
    world.senders["console"] = world.sender

    report = world.tick(local(SH, 2026, 11, 18, 15, 30))

    assert delivered(report) == []
    [row] = world.outbox()
    assert row.status == "dead" and row.last_error.startswith("obsolete:")
