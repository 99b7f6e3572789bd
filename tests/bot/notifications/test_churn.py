"""Churn warnings: the customer's own rhythm, explained in one sentence, at most weekly, snoozable."""

from __future__ import annotations

from datetime import date, timedelta

from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"
LAST_CONTACT = date(2026, 9, 19)  # 60 days before Wed 2026-11-18


def regular_customer(world, owner: int, name: str, last: date, every: int = 15, contacts: int = 9) -> int:
    customer = world.customer(name, owner, created=local(SH, 2026, 1, 5, 9))
    world.contacts_on(customer, *(last - timedelta(days=every * n) for n in range(contacts)))
    return customer


def test_a_customer_silent_for_four_times_its_rhythm_is_flagged_with_the_reason(world):
    alice = world.user("alice", tz=SH)
    acme = regular_customer(world, alice, "Acme", LAST_CONTACT)
    regular_customer(world, alice, "Globex", date(2026, 11, 10))  # in rhythm: no warning

    report = world.tick(local(SH, 2026, 11, 18, 9, 0))

    assert delivered(report) == [("churn", "alice")]
    [text] = world.sender.texts("alice")
    assert "At risk" in text
    assert "Acme usually hears from us every ~15 days (9 contacts)" in text
    assert "It has been 60 days (4.0× usual)" in text
    assert f"[Pause warnings: snooze #{acme}]" in text


def test_the_warning_comes_at_most_once_per_iso_week(world):
    alice = world.user("alice", tz=SH)
    regular_customer(world, alice, "Acme", LAST_CONTACT)

    first = world.tick(local(SH, 2026, 11, 18, 9, 0))
    assert delivered(first) == [("churn", "alice")] and first.enqueued.inserted["churn"] == 1
    assert delivered(world.tick(local(SH, 2026, 11, 19, 9, 0))) == []
    assert delivered(world.tick(local(SH, 2026, 11, 22, 9, 0))) == []  # Sunday, same week
    assert delivered(world.tick(local(SH, 2026, 11, 23, 9, 0))) == [("churn", "alice")]  # next Monday
    assert [row.due_date for row in world.outbox()] == [date(2026, 11, 16), date(2026, 11, 23)]


def test_a_snoozed_customer_is_not_warned(world, chat):
    alice = world.user("alice", tz=SH)
    acme = regular_customer(world, alice, "Acme", LAST_CONTACT)
    chat.user("alice").say(f"snooze #{acme}")

    assert delivered(world.tick(local(SH, 2026, 11, 18, 9, 0))) == []


def test_a_queued_warning_is_dropped_once_the_customer_was_contacted(world, chat):
    alice = world.user("alice", tz=SH)
    acme = regular_customer(world, alice, "Acme", LAST_CONTACT)
    world.senders.clear()
    world.tick(local(SH, 2026, 11, 18, 9, 0))
    world.clock.set(local(SH, 2026, 11, 18, 9, 30))
    chat.user("alice").say(f"log #{acme} called, they are fine")
    world.senders["console"] = world.sender

    assert delivered(world.tick(local(SH, 2026, 11, 18, 10, 0))) == []
    [row] = world.outbox()
    assert row.status == "dead" and "contacted since" in row.last_error


def test_a_chinese_speaking_rep_reads_the_reason_in_chinese(world):
    wang = world.user("wang", tz=SH, lang="zh")
    regular_customer(world, wang, "阿里巴巴", LAST_CONTACT)

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    [text] = world.sender.texts("wang")
    assert "流失风险" in text and "平时大约每 15 天联系一次（共 9 次）" in text and "已经 60 天没有联系" in text


def test_scoring_split_across_readers_flags_the_same_customers(world, monkeypatch):
    """SQLite reads the customers in id ranges side by side; every customer lands in exactly one range."""
    from bot.notifications import churn_features

    monkeypatch.setattr(churn_features.os, "cpu_count", lambda: 3)
    alice, bob = world.user("alice", tz=SH), world.user("bob", tz=SH)
    silent = [regular_customer(world, owner, f"Silent {n}", LAST_CONTACT) for n, owner in enumerate([alice, bob] * 4)]
    for n in range(7):
        regular_customer(world, alice, f"Regular {n}", date(2026, 11, 10))

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    warned = [int(text.split("snooze #")[1].split("]")[0]) for name in ("alice", "bob")
              for text in world.sender.texts(name)]
    assert sorted(warned) == sorted(silent)
