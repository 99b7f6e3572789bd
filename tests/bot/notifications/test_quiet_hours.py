"""Quiet hours (default 21:00–08:00 local): nothing is pushed at night; it waits for the morning."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.notifications.local_time import QuietHours
from bot.ports import DeliveryError
from tests.bot.notifications.helpers import delivered, local

SH, NY = "Asia/Shanghai", "America/New_York"


def test_a_step_due_at_3am_waits_until_quiet_hours_end(world):
    alice = world.user("alice", tz=SH)
    world.step(world.customer("Acme", alice), due_at=local(SH, 2026, 11, 19, 3, 0), zone=SH)

    assert delivered(world.tick(local(SH, 2026, 11, 19, 3, 0))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 19, 7, 59))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 19, 8, 0))) == [("followup_due", "alice")]


def test_quiet_hours_are_the_recipients_own_night(world):
    alice = world.user("alice", tz=SH)
    bob = world.user("bob", tz=NY)
    # 22:00 in Shanghai is 09:00 in New York (EST).
    at = local(SH, 2026, 11, 18, 22, 0)
    world.step(world.customer("Acme", alice), due_at=at, zone=SH)
    world.step(world.customer("Globex", bob), due_at=at, zone=NY)

    assert delivered(world.tick(at)) == [("followup_due", "bob")]


def test_a_retry_that_would_land_at_night_waits_for_the_morning(world):
    alice = world.user("alice", tz=SH)
    world.step(world.customer("Acme", alice), due_at=local(SH, 2026, 11, 18, 20, 59), zone=SH)
    world.sender.failures.append(DeliveryError("rate limited", retry_after=120))

    world.tick(local(SH, 2026, 11, 18, 20, 59))

    [row] = world.outbox()
    assert row.status == "pending"
    assert row.not_before == local(SH, 2026, 11, 19, 8, 0)
    assert delivered(world.tick(local(SH, 2026, 11, 19, 3, 0))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 19, 8, 0))) == [("followup_due", "alice")]


def test_quiet_hours_wrap_midnight_and_end_on_the_right_day():
    quiet = QuietHours.parse("21:00-08:00")
    tz = ZoneInfo(SH)
    evening = datetime.combine(date(2026, 11, 18), time(23, 30), tzinfo=tz)
    early = datetime.combine(date(2026, 11, 19), time(2, 0), tzinfo=tz)
    assert quiet.release(evening, tz) == datetime.combine(date(2026, 11, 19), time(8), tzinfo=tz)
    assert quiet.release(early, tz) == datetime.combine(date(2026, 11, 19), time(8), tzinfo=tz)
    noon = evening.replace(hour=12)
    assert quiet.release(noon, tz) == noon
    assert QuietHours.parse("off") is None
    assert QuietHours.parse("13:00-14:00").contains(time(13, 30))
    assert not QuietHours.parse("13:00-14:00").contains(time(14, 0))
    assert quiet.release(evening + timedelta(hours=9), tz) == evening + timedelta(hours=9)
