"""A lunar birthday in 2057, the one year where lunar-python's table is a day off the new moon: 九月初一 is
2057-09-28 (not the 29th), and `crmbot tick --now` greets on that day."""

from __future__ import annotations

import pytest

from adapters.cli import main
from tests.bot.notifications.helpers import World

SH = "Asia/Shanghai"


@pytest.fixture
def lunar_contact(engine, settings, clock, database_url, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    world = World(engine, settings, clock)
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    return world.contact(acme, "Zhang Wei", month=9, day=1, lunar=True)


def test_a_2057_lunar_birthday_is_greeted_on_the_astronomical_day(lunar_contact, capsys):
    assert main(["tick", "--now", "2057-09-27T09:00:00+08:00"]) == 0
    assert "delivered birthday" not in capsys.readouterr().out
    assert main(["tick", "--now", "2057-09-28T09:00:00+08:00"]) == 0
    assert f"delivered birthday alice contact#{lunar_contact}@2057-09-28" in capsys.readouterr().out
    assert main(["tick", "--now", "2057-09-29T09:00:00+08:00"]) == 0
    assert "delivered birthday" not in capsys.readouterr().out
