"""Manager digests: what they say, when and where they go, and how they are split to fit a platform."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.text.paging import paginate
from storage.models import DigestSubscription, NotificationOutbox
from tests.bot.notifications.helpers import delivered, local

SH = "Asia/Shanghai"


def team_with_news(world, engine) -> dict[str, int]:
    """A team whose yesterday (2026-11-17) had follow-ups, a new customer, and whose book has trouble."""
    alice = world.user("alice", tz=SH, team="east")
    bob = world.user("bob", tz=SH, team="east")
    maria = world.user("maria", tz=SH, team="east", role="manager")
    outsider = world.user("olga", tz=SH, team="west")
    acme = world.customer("Acme", alice, created=local(SH, 2026, 1, 5, 9))
    world.contacts_on(acme, date(2026, 11, 17), date(2026, 11, 16))
    world.contacts_on(world.customer("Globex", bob, created=local(SH, 2026, 11, 17, 15)), date(2026, 11, 17))
    world.step(world.customer("Initech", bob), due_date=date(2026, 11, 10), step="chase the PO")
    lapsed = world.customer("Umbrella", alice, created=local(SH, 2026, 1, 5, 9))
    world.contacts_on(lapsed, date(2026, 5, 1), date(2026, 5, 10), date(2026, 5, 20))
    world.order(world.customer("Hooli", alice), "12000", due=date(2026, 11, 1))
    world.contact(acme, "Zhang Wei", month=11, day=21)
    world.customer("Secret Corp", outsider)  # another team: never in maria's digest
    with Session(engine) as session:
        session.add(NotificationOutbox(kind="followup_due", subject_id=99, due_date=date(2026, 11, 17),
                                       channel=f"user:{alice}", recipient_id=alice, status="dead", attempts=1,
                                       last_error="permanent: channel_not_found",
                                       created_at=local(SH, 2026, 11, 17, 10)))
        session.commit()
    return {"alice": alice, "bob": bob, "maria": maria}


def test_the_daily_digest_reports_the_teams_yesterday_and_its_open_trouble(world, engine):
    team_with_news(world, engine)

    report = world.tick(local(SH, 2026, 11, 18, 9, 0))

    assert ("digest_daily", "maria") in delivered(report)
    [digest] = [t for t in world.sender.texts("maria") if "Daily digest" in t]
    assert "Daily digest · 2026-11-17" in digest
    assert "Follow-ups logged (2)" in digest and "- alice: 1" in digest and "- bob: 1" in digest
    assert "New customers (1)" in digest and "Globex" in digest
    assert "Overdue follow-ups (1)" in digest and "Initech · bob · chase the PO (due 2026-11-10)" in digest
    # Umbrella: silent 182 days (lapsed?); Hooli: one order 47 days ago, against a team rhythm of ~10 days.
    assert "At-risk customers (2)" in digest and "Umbrella · silent 182 days" in digest and "Hooli" in digest
    assert "Overdue payments (1)" in digest and "CNY 12,000.00 (due 2026-11-01)" in digest
    assert "Birthdays this week (1)" in digest and "2026-11-21 Zhang Wei (Acme)" in digest
    assert "Undelivered notifications (1)" in digest and "channel_not_found" in digest
    assert "Secret Corp" not in digest


def test_the_weekly_digest_comes_on_monday_with_the_previous_week(world, engine):
    team_with_news(world, engine)
    world.tick(local(SH, 2026, 11, 18, 9, 0))

    report = world.tick(local(SH, 2026, 11, 23, 9, 0))

    assert {("digest_daily", "maria"), ("digest_weekly", "maria")} <= set(delivered(report))
    [weekly] = [t for t in world.sender.texts("maria") if "Weekly digest" in t]
    assert "2026-11-16 – 2026-11-23" in weekly and "Follow-ups logged (4)" in weekly


def test_digest_here_sends_it_to_the_channel_and_off_stops_it(world, engine):
    ids = team_with_news(world, engine)
    with Session(engine) as session:
        session.add(DigestSubscription(manager_id=ids["maria"], kind="daily", target="console::managers"))
        session.add(DigestSubscription(manager_id=ids["maria"], kind="weekly", target="dm", enabled=False))
        session.commit()

    report = world.tick(local(SH, 2026, 11, 23, 9, 0))

    assert [r for r in delivered(report) if r[0].startswith("digest")] == [("digest_daily", "console::managers")]
    [post] = world.sender.to("managers")
    assert post.reply.private is False and "Daily digest" in post.text


def test_a_rep_gets_no_digest(world, engine):
    team_with_news(world, engine)
    report = world.tick(local(SH, 2026, 11, 18, 9, 0))
    assert [r for r in delivered(report) if r[0].startswith("digest")] == [("digest_daily", "maria")]


def test_a_long_digest_is_split_into_pages_that_fit_the_platform(world, engine):
    team_with_news(world, engine)
    world.sender.max_message_chars = 300

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    pages = [p.reply.text for p in world.sender.to("maria") if "Daily digest" in p.reply.text]
    assert len(pages) >= 3
    assert all(len(page) <= 300 for page in pages)
    assert pages[0].startswith("📊 **Daily digest** · 2026-11-17 (1/")
    whole = "\n".join(pages)
    for heading in ("Follow-ups logged", "New customers", "Overdue follow-ups", "At-risk customers",
                    "Overdue payments", "Birthdays this week", "Undelivered notifications"):
        assert heading in whole


def test_paginate_keeps_every_line_and_cuts_only_a_line_longer_than_a_page():
    lines = [f"- line {n}" for n in range(50)] + ["x" * 500]
    pages = paginate(lambda page, pages: f"T {page}/{pages}", lines, limit=120)
    assert all(len(page) <= 120 for page in pages)
    body = [line for page in pages for line in page.splitlines()[1:]]
    assert body[:50] == lines[:50]
    assert body[50].endswith("…") and len(body[50]) < 120
    assert pages[-1].startswith(f"T {len(pages)}/{len(pages)}")


def test_the_digest_counts_what_was_skipped_on_purpose_and_why(world, engine):
    ids = team_with_news(world, engine)
    alice = ids["alice"]
    with Session(engine) as session:
        for n, (kind, reason) in enumerate((("birthday", "stale: not delivered before 2026-11-17 13:00 UTC"),
                                            ("birthday", "stale: not delivered before 2026-11-17 13:00 UTC"),
                                            ("followup_due", "obsolete: the step is done"))):
            session.add(NotificationOutbox(kind=kind, subject_id=200 + n, due_date=date(2026, 11, 17),
                                           channel=f"user:{alice}", recipient_id=alice, status="dead", attempts=1,
                                           last_error=reason, created_at=local(SH, 2026, 11, 17, 10)))
        session.commit()

    world.tick(local(SH, 2026, 11, 18, 9, 0))

    [digest] = [t for t in world.sender.texts("maria") if "Daily digest" in t]
    assert "Undelivered notifications (1)" in digest  # skipping is not a failure
    assert "Skipped on purpose (3)" in digest
    assert "2 × birthday greeting: stale" in digest and "1 × follow-up due: no longer needed" in digest
