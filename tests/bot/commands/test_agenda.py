"""`today`: due and overdue steps, reminders, birthdays on the right local day, at-risk customers, payments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.services.agenda import agenda_for
from storage.models import User

# now = Wed 2026-11-18 10:00 in Shanghai (lunar 2026-10-10); Tue 2026-11-17 21:00 in New York.


def test_an_empty_day_says_so(chat):
    out = chat.user("alice").say("today")
    assert "My day: Wed 2026-11-18 (Asia/Shanghai)" in out
    assert "Nothing due" in out


def test_due_and_overdue_next_steps_and_my_reminders(chat, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("new Beta")
    alice.say("new Gamma")
    alice.say("log Beta called next:2026-11-19 send samples")
    alice.say("log Gamma called next:2026-11-25 later")
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # Fri 10:00: Beta's step is a day overdue
    alice.say("log Acme met next:today 15:00 send quote")
    alice.say("remind me today 18:00 call the bank")
    alice.say("remind Acme tomorrow not yet")
    chat.user("bob").say("remind me today 17:00 bob's own")
    out = alice.say("today")
    assert "Next steps (2)" in out
    assert "- Thu 2026-11-19 overdue · #2 Beta · send samples" in out
    assert "- 15:00 · #1 Acme · send quote" in out
    assert "Gamma" not in out
    assert "Reminders (1)" in out and "- 18:00 · call the bank" in out
    assert "not yet" not in out and "bob's own" not in out


def test_birthdays_solar_and_lunar_within_the_week(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contact Acme Zhang Wei birthday:1985-11-24")  # solar, in six days
    alice.say("contact Acme 王芳 birthday:农历十月十二")  # lunar 10-12 = Fri 2026-11-20
    alice.say("contact Acme Li Lei birthday:农历十月十八")  # lunar 10-18 = 2026-11-26, eight days away
    alice.say("contact Acme Today Person birthday:11-18")
    out = alice.say("today")
    assert "Birthdays (3)" in out
    assert "- today · Today Person (Nov 18) · #1 Acme" in out
    assert "- Fri 2026-11-20 · 王芳 (lunar 10/12) · #1 Acme" in out
    assert "- Tue 2026-11-24 · Zhang Wei turns 41 (1985-11-24) · #1 Acme" in out
    assert "Li Lei" not in out
    zh = alice.say("今天")
    assert "- 11月20日 周五 · 王芳（农历十月十二）· #1 Acme" in zh
    assert "Zhang Wei 41 岁" in zh


def test_birthdays_fall_on_the_users_local_day(chat):
    alice, nora = chat.user("alice"), chat.user("nora")
    nora.say("settings tz:America/New_York")
    for user in (alice, nora):
        user.say("new Acme")
        user.say("contact Acme Nine birthday:农历十月初九")  # lunar 10-09 = 2026-11-17
    # In New York it is still the evening of the 17th; in Shanghai the 17th is over.
    assert "- today · Nine (lunar 10/9)" in nora.say("today")
    assert "Nine" not in alice.say("today")


def test_leap_month_birthdays_in_a_year_with_that_leap_month(chat, clock):
    alice = chat.user("alice")
    clock.set(datetime(2025, 7, 27, 2, 0, tzinfo=UTC))  # lunar leap 6-03 of 2025
    alice.say("new Acme")
    alice.say("contact Acme Leap Born birthday:农历闰六月初三")
    alice.say("contact Acme Regular Born birthday:农历六月初三")  # celebrated on 2025-06-27 instead
    out = alice.say("today")
    assert "- today · Leap Born" in out
    assert "Regular Born" not in out


def test_at_risk_customers_are_the_long_silent_ones_unless_snoozed(chat, clock):
    alice = chat.user("alice")
    start = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    clock.set(start)
    alice.say("new Acme")
    alice.say("new Snoozed")
    alice.say("new Fresh")
    for days in (0, 10, 20):
        clock.set(start + timedelta(days=days))
        alice.say("log Acme call")
        alice.say("log Snoozed call")
    clock.set(datetime(2026, 11, 18, 2, 0, tzinfo=UTC))
    alice.say("log Fresh call")
    alice.say("snooze Snoozed 2w")
    out = alice.say("today")
    assert "At risk (1)" in out
    assert "- #1 Acme · silent 150 days, usually every 20 · lapsed" in out
    assert "Snoozed" not in out.split("At risk")[1] and "Fresh" not in out


def test_overdue_payments_only_unpaid_and_past_due(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 12000 date:2026-10-01 due:2026-10-20")
    alice.say("order Acme 500 date:2026-10-01 due:2026-10-21")
    alice.say("order Acme 800 due:2026-12-01")
    alice.say("paid #2")
    out = alice.say("today")
    assert "Overdue payments (1)" in out
    assert "- #1 Acme · order #1 CNY 12,000.00 · due 2026-10-20 (29 days ago)" in out
    assert "order #2" not in out and "order #3" not in out


def test_other_reps_customers_never_appear(chat):
    alice, bob = chat.user("alice"), chat.user("bob")
    bob.say("new Secret")
    bob.say("log Secret called next:today 15:00 call")
    bob.say("contact Secret Hidden birthday:11-18")
    bob.say("order Secret 100 date:2026-10-01 due:2026-10-02")
    assert "Secret" not in alice.say("today")
    assert "Secret" in bob.say("today")


def test_the_agenda_service_returns_plain_data_and_counts_beyond_the_limit(chat, engine, clock):
    alice = chat.user("alice")
    for n in range(25):
        alice.say(f"new C{n}")
        alice.say(f"log C{n} call next:today 18:00 step {n}")
    with Session(engine) as session:
        user = session.get(User, 1)
        agenda = agenda_for(session, user, now=clock.now(), tz=ZoneInfo("Asia/Shanghai"))
    assert agenda.steps.total == 25 and len(agenda.steps.items) == 20
    assert agenda.steps.items[0].customer_name == "C0" and not agenda.steps.items[0].overdue
    assert "- …and 5 more" in alice.say("today")


@pytest.mark.parametrize("config_overrides", [{"teams": [
    {"name": "east", "managers": ["mia"], "members": ["alice", "bob"]},
    {"name": "west", "managers": ["walt"], "members": ["olga"]}]}])
def test_a_managers_day_covers_the_team_after_their_own_items(chat, clock, config_overrides):
    mia, alice, bob, olga = (chat.user(n) for n in ("mia", "alice", "bob", "olga"))
    mia.say("new Mia Own")
    mia.say("log Mia Own called next:today 15:00 call the CFO")
    alice.say("new Acme")
    alice.say("log Acme called next:2026-11-19 send samples")
    alice.say("contact Acme Zhang Wei birthday:11-20")
    bob.say("new Beta")
    bob.say("log Beta called next:tomorrow 10:00 demo")
    olga.say("new Westco")
    olga.say("log Westco called next:2026-11-19 not mia's")
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # Fri 10:00 Shanghai

    out = mia.say("today")
    assert out.index("Next steps") < out.index("Your team")  # the manager's own items first
    assert "Team overdue steps (2)" in out
    assert "- Thu 2026-11-19 · #2 Acme · alice · send samples" in out
    assert "#3 Beta · bob · demo" in out
    assert "Westco" not in out and "not mia's" not in out
    assert "Team birthdays (1)" in out and "Zhang Wei" in out and "#2 Acme · alice" in out
    zh = mia.say("今天")
    assert "团队逾期下一步（2）" in zh and "团队生日（1）" in zh
    assert "Your team" not in alice.say("today")
