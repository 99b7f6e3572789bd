"""Follow-up steps and reminders fall due at the right local instant, in every zone, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from storage.models import Reminder
from tests.bot.notifications.helpers import delivered, local

SH, NY = "Asia/Shanghai", "America/New_York"


def test_a_timed_step_is_pushed_at_its_local_time_in_each_owners_zone(world):
    alice = world.user("alice", tz=SH)
    bob = world.user("bob", tz=NY)
    world.step(world.customer("Acme", alice), due_at=local(SH, 2026, 11, 18, 10), zone=SH, step="send the quote")
    world.step(world.customer("Globex", bob), due_at=local(NY, 2026, 11, 18, 10), zone=NY, step="demo")

    assert delivered(world.tick(datetime(2026, 11, 18, 1, 59, tzinfo=UTC))) == []
    assert delivered(world.tick(datetime(2026, 11, 18, 2, 0, tzinfo=UTC))) == [("followup_due", "alice")]
    assert "send the quote" in world.sender.texts("alice")[0]
    assert delivered(world.tick(datetime(2026, 11, 18, 14, 59, tzinfo=UTC))) == []
    assert delivered(world.tick(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))) == [("followup_due", "bob")]


def test_spring_forward_day_in_new_york_uses_daylight_time(world):
    bob = world.user("bob", tz=NY)
    carol = world.user("carol", tz=NY)
    world.step(world.customer("Globex", bob), due_at=local(NY, 2026, 3, 8, 9, 30), zone=NY)
    world.step(world.customer("Initech", carol), due_date=date(2026, 3, 8), zone=NY)

    # 08:59 EDT: an EST reading (14:00Z) would be an hour late, a naive one in UTC hours early.
    assert delivered(world.tick(datetime(2026, 3, 8, 12, 59, tzinfo=UTC))) == []
    assert delivered(world.tick(datetime(2026, 3, 8, 13, 0, tzinfo=UTC))) == [("followup_due", "carol")]
    assert delivered(world.tick(datetime(2026, 3, 8, 13, 30, tzinfo=UTC))) == [("followup_due", "bob")]


def test_fall_back_day_in_new_york_uses_standard_time(world):
    bob = world.user("bob", tz=NY)
    world.step(world.customer("Globex", bob), due_date=date(2026, 11, 1), zone=NY)

    assert delivered(world.tick(datetime(2026, 11, 1, 13, 30, tzinfo=UTC))) == []  # 08:30 EST
    assert delivered(world.tick(datetime(2026, 11, 1, 14, 0, tzinfo=UTC))) == [("followup_due", "bob")]


def test_date_only_steps_wait_for_the_owners_own_morning_hour(world):
    early = world.user("early", tz=SH, morning_hour=8)
    late = world.user("late", tz=SH, morning_hour=11)
    world.step(world.customer("Acme", early), due_date=date(2026, 11, 18), morning=8)
    world.step(world.customer("Globex", late), due_date=date(2026, 11, 18), morning=11)

    assert delivered(world.tick(local(SH, 2026, 11, 18, 8, 0))) == [("followup_due", "early")]
    assert delivered(world.tick(local(SH, 2026, 11, 18, 10, 59))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 18, 11, 0))) == [("followup_due", "late")]


def test_each_step_is_pushed_once_however_often_the_scheduler_ticks(world):
    alice = world.user("alice", tz=SH)
    world.step(world.customer("Acme", alice), due_at=local(SH, 2026, 11, 18, 10), zone=SH)
    first = world.tick(local(SH, 2026, 11, 18, 10, 0))
    again = [world.tick(local(SH, 2026, 11, 18, 10, minute)) for minute in range(1, 4)]

    assert delivered(first) == [("followup_due", "alice")]
    assert first.enqueued.inserted["followup_due"] == 1
    assert all(delivered(report) == [] and report.enqueued.total == 0 for report in again)
    assert len(world.outbox()) == 1


def test_a_personal_reminder_is_pushed_at_its_instant_with_its_text(world, engine):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    with Session(engine) as session:
        session.add(Reminder(tenant="console", assignee_id=alice, customer_id=acme, due_at=local(SH, 2026, 11, 18, 15),
                             due_date=date(2026, 11, 18), timezone=SH, text="confirm the delivery date",
                             created_by=alice))
        session.commit()

    assert delivered(world.tick(local(SH, 2026, 11, 18, 14, 59))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 18, 15, 0))) == [("reminder_due", "alice")]
    assert "confirm the delivery date" in world.sender.texts("alice")[0]


def test_open_steps_escalate_to_the_manager_after_the_configured_days(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    acme = world.customer("Acme", alice)
    world.step(acme, due_date=date(2026, 11, 16), step="send the contract")  # 2 days ago: escalate
    world.step(world.customer("Globex", alice), due_date=date(2026, 11, 17))  # 1 day ago: not yet

    report = world.tick(local(SH, 2026, 11, 18, 9, 30))

    assert ("followup_overdue", "maria") in delivered(report)
    [escalation] = [t for t in world.sender.texts("maria") if "Overdue follow-up ·" in t]
    assert "alice" in escalation and "send the contract" in escalation and "2 days ago" in escalation


def test_a_done_step_is_not_pushed_even_if_it_was_already_queued(world, chat):
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    world.step(acme, due_at=local(SH, 2026, 11, 18, 10, 0), zone=SH)
    world.tick(local(SH, 2026, 11, 18, 9, 59))
    world.senders.clear()  # the platform is away: the row stays queued
    world.tick(local(SH, 2026, 11, 18, 10, 0))
    chat.user("alice").say(f"done #{acme}")
    world.senders["console"] = world.sender

    report = world.tick(local(SH, 2026, 11, 18, 12, 0))

    assert delivered(report) == []
    [row] = world.outbox()
    assert row.status == "dead" and row.last_error.startswith("obsolete:")
