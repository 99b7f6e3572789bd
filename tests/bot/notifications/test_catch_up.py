"""After downtime the scheduler still pushes every step, reminder and payment that fell due, once each."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from storage.models import Reminder
from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


def _reminder(engine, user: int, customer: int, due: datetime, text: str) -> None:
    with Session(engine) as session:
        session.add(Reminder(tenant="console", assignee_id=user, customer_id=customer, due_at=due,
                             due_date=due.astimezone(UTC).date(), timezone=SH, text=text, created_by=user))
        session.commit()


def test_a_bot_down_for_two_weeks_pushes_what_fell_due_once(world, engine):
    alice = world.user("alice", tz=SH)
    acme, globex = world.customer("Acme", alice), world.customer("Globex", alice)
    world.tick(local(SH, 2026, 11, 2, 10))  # the last pass before the outage
    world.step(acme, due_date=date(2026, 11, 4), step="send the quote")
    _reminder(engine, alice, globex, local(SH, 2026, 11, 6, 15), "confirm the delivery date")

    report = world.tick(local(SH, 2026, 11, 18, 10))  # 16 days later

    assert sorted(delivered(report)) == [("followup_due", "alice"), ("reminder_due", "alice")]
    texts = "\n".join(world.sender.texts("alice"))
    assert "send the quote" in texts and "confirm the delivery date" in texts
    assert delivered(world.tick(local(SH, 2026, 11, 18, 10, 5))) == []
    assert len(world.outbox()) == 2


def test_a_database_never_ticked_reaches_every_open_step(world):
    alice = world.user("alice", tz=SH)
    world.step(world.customer("Recent", alice), due_date=date(2026, 11, 15), step="recent step")
    world.step(world.customer("Ancient", alice), due_date=date(2026, 10, 1), step="ancient step")

    report = world.tick(local(SH, 2026, 11, 18, 10))

    assert delivered(report) == [("followup_due", "alice")] * 2
    texts = "\n".join(world.sender.texts("alice"))
    assert "ancient step" in texts and "recent step" in texts


def test_many_missed_steps_arrive_as_one_summary_oldest_first(world):
    alice = world.user("alice", tz=SH)
    world.tick(local(SH, 2026, 10, 20, 10))
    for day in (14, 3, 9, 1, 12, 6, 16):  # created out of order on purpose
        world.step(world.customer(f"Customer {day:02d}", alice), due_date=date(2026, 11, day), step=f"step {day:02d}")

    world.tick(local(SH, 2026, 11, 18, 10))

    [summary] = world.sender.texts("alice")
    order = [summary.index(f"step {day:02d}") for day in (1, 3, 6, 9, 12, 14, 16)]
    assert order == sorted(order)


def test_a_short_gap_after_normal_ticking_still_catches_up(world):
    alice = world.user("alice", tz=SH)
    world.tick(local(SH, 2026, 11, 14, 10))
    world.step(world.customer("Acme", alice), due_date=date(2026, 11, 15), step="send the quote")

    assert delivered(world.tick(local(SH, 2026, 11, 18, 10))) == [("followup_due", "alice")]


def test_greetings_of_days_the_bot_missed_are_recorded_as_stale_and_counted(world):
    alice = world.user("alice", tz=SH, team="east")
    world.user("maria", tz=SH, team="east", role="manager")
    acme = world.customer("Acme", alice)
    missed = world.contact(acme, "Zhang Wei", month=11, day=14)
    today = world.contact(acme, "Li Lei", month=11, day=18)
    world.tick(local(SH, 2026, 11, 10, 10))

    world.tick(local(SH, 2026, 11, 18, 9, 30))  # down from the 10th to the 18th

    rows = {row.subject_id: row for row in world.outbox() if row.kind == "birthday"}
    assert rows[missed].status == "dead" and rows[missed].last_error.startswith("stale:")
    assert rows[today].status == "sent"  # today's greeting still goes out
    assert not [t for t in world.sender.texts("alice") if "Zhang Wei" in t]
    world.tick(local(SH, 2026, 11, 19, 9, 30))
    [digest] = [t for t in world.sender.texts("maria") if "Daily digest · 2026-11-18" in t]
    assert "1 × birthday greeting: stale" in digest
