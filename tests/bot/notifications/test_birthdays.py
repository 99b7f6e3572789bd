"""Birthday greetings: solar, lunar (day 30 of a short month, leap months), Feb 29, cut-off and catch-up."""

from __future__ import annotations

import pytest

from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


def greeted(world, when) -> list[str]:
    """Contact ids greeted in the owner's DM by a tick at `when`."""
    report = world.tick(when)
    return sorted(d.occasion.split("@")[0] for d in report.dispatched.delivered if d.kind == "birthday")


def test_a_solar_birthday_is_greeted_at_the_morning_hour_with_age_and_a_suggested_greeting(world):
    alice = world.user("alice", tz=SH)
    zhang = world.contact(world.customer("Acme", alice), "Zhang Wei", month=11, day=18, year=1980)

    assert greeted(world, local(SH, 2026, 11, 18, 8, 59)) == []
    assert greeted(world, local(SH, 2026, 11, 18, 9, 0)) == [f"contact#{zhang}"]
    [text] = world.sender.texts("alice")
    assert "Zhang Wei" in text and "turns 46" in text
    assert "Suggested greeting" in text and "Happy birthday, Zhang Wei!" in text
    assert "log #" in text  # the Log follow-up button


def test_lunar_day_30_is_celebrated_on_the_29th_when_the_month_is_short(world):
    # 2026-02-16 is 腊月廿九, the last day of a 29-day twelfth month; 2026-02-17 is 正月初一.
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    day30 = world.contact(acme, "Li Na", month=12, day=30, lunar=True)
    day29 = world.contact(acme, "Wang Fang", month=12, day=29, lunar=True)
    new_year = world.contact(acme, "Chen Jie", month=1, day=1, lunar=True)

    assert greeted(world, local(SH, 2026, 2, 16, 9)) == sorted([f"contact#{day30}", f"contact#{day29}"])
    assert greeted(world, local(SH, 2026, 2, 17, 9)) == [f"contact#{new_year}"]


def test_leap_month_births_celebrate_in_the_leap_month_when_the_year_has_one(world):
    # 2025 has a leap sixth month: 六月初一 = 2025-06-25, 闰六月初一 = 2025-07-25.
    alice = world.user("alice", tz=SH)
    acme = world.customer("Acme", alice)
    regular = world.contact(acme, "Regular", month=6, day=1, lunar=True)
    leap = world.contact(acme, "Leap", month=6, day=1, lunar=True, leap=True)

    assert greeted(world, local(SH, 2025, 6, 25, 9)) == [f"contact#{regular}"]
    assert greeted(world, local(SH, 2025, 7, 25, 9)) == [f"contact#{leap}"]
    # 2026 has no leap sixth month: both celebrate on 六月初一 (2026-07-14).
    assert greeted(world, local(SH, 2026, 7, 14, 9)) == sorted([f"contact#{regular}", f"contact#{leap}"])


def test_feb_29_births_are_greeted_on_feb_28_in_common_years_only(world):
    alice = world.user("alice", tz=SH)
    leapling = world.contact(world.customer("Acme", alice), "Leapling", month=2, day=29, year=2000)

    assert greeted(world, local(SH, 2026, 2, 28, 9)) == [f"contact#{leapling}"]
    assert "turns 26" in world.sender.texts("alice")[-1]
    assert greeted(world, local(SH, 2028, 2, 28, 9)) == []
    assert greeted(world, local(SH, 2028, 2, 29, 9)) == [f"contact#{leapling}"]


class TestFeb29OnMarch1:
    @pytest.fixture
    def config_overrides(self):
        return {"scheduler": {"feb29_on": "mar1"}}

    def test_the_setting_moves_common_year_greetings_to_march_1(self, world):
        alice = world.user("alice", tz=SH)
        leapling = world.contact(world.customer("Acme", alice), "Leapling", month=2, day=29, year=2000)

        assert greeted(world, local(SH, 2026, 2, 28, 9)) == []
        assert greeted(world, local(SH, 2026, 3, 1, 9)) == [f"contact#{leapling}"]


def test_a_bot_down_all_day_sends_no_greeting_in_the_evening(world):
    alice = world.user("alice", tz=SH)
    world.contact(world.customer("Acme", alice), "Zhang Wei", month=11, day=18)

    report = world.tick(local(SH, 2026, 11, 18, 22, 0))

    assert delivered(report) == []
    assert [row for row in world.outbox() if row.kind == "birthday"] == []
    assert greeted(world, local(SH, 2026, 11, 19, 9)) == []  # not the next day either


def test_a_bot_down_in_the_morning_catches_up_on_the_greeting(world):
    alice = world.user("alice", tz=SH)
    zhang = world.contact(world.customer("Acme", alice), "Zhang Wei", month=11, day=18)

    assert greeted(world, local(SH, 2026, 11, 18, 8, 0)) == []
    # down from 08:00 to 11:00
    assert greeted(world, local(SH, 2026, 11, 18, 11, 0)) == [f"contact#{zhang}"]


def test_a_greeting_queued_but_undeliverable_until_the_evening_is_dropped_as_stale(world):
    alice = world.user("alice", tz=SH)
    world.contact(world.customer("Acme", alice), "Zhang Wei", month=11, day=18)
    world.senders.clear()  # the chat platform is unreachable all day
    world.tick(local(SH, 2026, 11, 18, 9, 0))
    world.senders["console"] = world.sender

    report = world.tick(local(SH, 2026, 11, 18, 21, 30))

    assert delivered(report) == []
    [row] = [row for row in world.outbox() if row.kind == "birthday"]
    assert row.status == "dead" and row.last_error.startswith("stale:")


def test_birthdays_are_also_posted_to_the_team_channel(world):
    alice = world.user("alice", tz=SH, team="east")
    world.team_channel("east", "east-sales")
    world.contact(world.customer("Acme", alice), "Zhang Wei", month=11, day=18)

    report = world.tick(local(SH, 2026, 11, 18, 9, 0))

    assert sorted(recipient for kind, recipient in delivered(report) if kind == "birthday") == [
        "alice", "console::east-sales"]
    [post] = world.sender.to("east-sales")
    assert post.reply.private is False and "Zhang Wei" in post.text


def test_the_suggested_greeting_is_in_the_contacts_language(world):
    alice = world.user("alice", tz=SH, lang="en")
    world.contact(world.customer("Acme", alice), "张伟", month=11, day=18, greeting_language="zh")

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    [text] = world.sender.texts("alice")
    assert "Birthday today" in text and "张伟，祝您生日快乐" in text


def test_a_chinese_speaking_rep_gets_the_greeting_in_chinese(world):
    wang = world.user("wang", tz=SH, lang="zh")
    world.contact(world.customer("阿里巴巴", wang), "马云", month=9, day=10, year=1964)

    world.tick(local(SH, 2026, 9, 10, 9, 0))

    [text] = world.sender.texts("wang")
    assert "今天生日" in text and "62 岁" in text and "记录跟进" in text


class TestTeamChannelFromConfig:
    @pytest.fixture
    def config_overrides(self):
        return {"teams": [{"name": "east", "members": ["alice"], "channel": "console::east-sales"}]}

    def test_a_team_channel_named_in_config_gets_the_teams_birthday_posts(self, world):
        alice = world.user("alice", tz=SH, team="east")
        world.contact(world.customer("Acme", alice), "Zhang Wei", month=11, day=18)

        report = world.tick(local(SH, 2026, 11, 18, 9, 0))

        assert ("birthday", "console::east-sales") in delivered(report)
        assert "Zhang Wei" in world.sender.to("east-sales")[0].text


def test_a_malformed_team_channel_is_refused_at_start_up():
    from config.settings import ConfigError, load_settings

    with pytest.raises(ConfigError, match="platform:workspace:channel"):
        load_settings(teams=[{"name": "east", "channel": "C123"}])
