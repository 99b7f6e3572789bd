"""`crmbot tick --now …`: one pass, one line per delivered notification; the console prints the pushes."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.cli import main
from tests.bot.notifications.helpers import World, local

SH = "Asia/Shanghai"


@pytest.fixture
def booked(engine, settings, clock, database_url, monkeypatch):
    """alice (Shanghai) with a step due at 10:00 and a contact whose birthday is 2026-11-18."""
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    world = World(engine, settings, clock)
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    step = world.step(acme, due_at=local(SH, 2026, 11, 18, 10, 0), step="send the quote")
    contact = world.contact(acme, "Zhang Wei", month=11, day=18)
    return {"step": step, "contact": contact, "world": world, "alice": alice}


def test_tick_prints_exactly_one_line_per_delivered_notification(booked, capsys):
    assert main(["tick", "--now", "2026-11-18T10:00:00+08:00"]) == 0
    captured = capsys.readouterr()
    assert sorted(captured.out.splitlines()) == sorted([
        f"delivered followup_due alice followup#{booked['step']}@2026-11-18",
        f"delivered birthday alice contact#{booked['contact']}@2026-11-18",
    ])
    assert "tick: enqueued" in captured.err  # the summary is not on stdout


def test_tick_verbose_also_prints_the_pushes(booked, capsys):
    assert main(["tick", "--now", "2026-11-18T10:00:00+08:00", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if line.startswith("delivered ")]) == 2
    assert "[to alice]" in out and "send the quote" in out and "Zhang Wei" in out


def test_a_second_tick_at_the_same_instant_delivers_nothing_again(booked, capsys):
    main(["tick", "--now", "2026-11-18T02:00:00Z"])
    capsys.readouterr()
    assert main(["tick", "--now", "2026-11-18T02:05:00Z"]) == 0
    assert "delivered " not in capsys.readouterr().out


def test_tick_at_night_delivers_nothing_and_the_morning_tick_does(booked, capsys):
    world = booked["world"]
    world.step(world.customer("Globex", booked["alice"]), due_date=date(2026, 11, 19))
    main(["tick", "--now", "2026-11-19T03:00:00+08:00"])
    assert "delivered " not in capsys.readouterr().out
    main(["tick", "--now", "2026-11-19T09:00:00+08:00"])
    assert "delivered followup_due alice followup#" in capsys.readouterr().out


def test_a_now_without_offset_is_refused(booked, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["tick", "--now", "2026-11-18T10:00"])
    assert exit_info.value.code == 2
    assert "has no UTC offset" in capsys.readouterr().err
