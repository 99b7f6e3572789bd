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


def test_lunar_birthdays_typed_in_the_chat_are_greeted_on_the_right_2057_days(engine, settings, clock, chat,
                                                                              database_url, monkeypatch, capsys):
    # 2057's 八月 has 29 days (sxtwl, cnlunar and lunardate agree; lunar-python's table says 30): 八月三十 is
    # celebrated on 八月廿九 = 2057-09-27 and 九月初一 falls on 2057-09-28.
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    world = World(engine, settings, clock)
    world.user("alice", tz=SH, lang="zh")
    alice = chat.user("alice")
    alice.say("新建 华东机械")
    assert "添加联系人" in alice.say("联系人 华东机械 张伟 生日:农历八月三十")
    assert "添加联系人" in alice.say("联系人 华东机械 李娜 生日:农历九月初一")

    def greeted(now: str) -> list[str]:
        assert main(["tick", "--now", now]) == 0
        return [line for line in capsys.readouterr().out.splitlines() if "delivered birthday" in line]

    assert greeted("2057-09-26T09:00:00+08:00") == []
    [on_27th] = greeted("2057-09-27T09:00:00+08:00")
    [on_28th] = greeted("2057-09-28T09:00:00+08:00")
    assert on_27th.endswith("@2057-09-27") and on_28th.endswith("@2057-09-28")
    assert on_27th.split("contact#")[1] != on_28th.split("contact#")[1]
    assert greeted("2057-09-29T09:00:00+08:00") == []
