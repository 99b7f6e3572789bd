"""Tickets: a complaint opened in Chinese with a deadline from its priority, listed, closed, reopened, handed over;
working-hour deadlines; the overdue alert to the assignee once and to the manager later; card, today, digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from bot.notifications.digest_data import gather_digest
from storage.models import Ticket, TicketEvent, User
from tests.bot.notifications.helpers import delivered, local
from tests.bot.test_concurrency import at_once, no_errors, say

SH = "Asia/Shanghai"


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"]}],
            "service": {"escalate_after_hours": 4}}


def _alerts(report) -> list[tuple[str, str]]:
    return [push for push in delivered(report) if push[0].startswith("ticket")]


def _tickets(engine) -> list[Ticket]:
    with Session(engine) as session:
        return list(session.exec(select(Ticket).order_by(Ticket.id)).all())


def test_a_chinese_complaint_with_high_priority_is_due_in_four_hours_and_closes_with_its_resolution(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("投诉 albb 货物破损，要求换货 优先级:高")
    assert "已为 阿里巴巴（#1）开立工单 T1（投诉，优先级高），由你处理，期限 11月18日 周三 14:00。" in out
    (ticket,) = _tickets(engine)
    assert (ticket.kind, ticket.priority, ticket.text) == ("complaint", "high", "货物破损，要求换货")
    assert ticket.due_at == datetime(2026, 11, 18, 6, 0, tzinfo=UTC)  # 10:00 + 4 h, Shanghai

    assert "T1 阿里巴巴 · 货物破损，要求换货 · 期限 14:00" in alice.say("今天")
    assert "未解决工单" in alice.say("查看 albb") and "T1 货物破损" in alice.say("查看 albb")
    assert "T1 · 阿里巴巴 · 货物破损，要求换货 · alice · 期限" in alice.say("工单列表")

    out = alice.say("解决 T1 已补发新货")
    assert "已解决 T1（阿里巴巴），用时 0分钟。" in out
    # refused, told when and how it was closed
    assert "T1 已于 11月18日 周三 10:00 解决（已补发新货），未做更改。" in alice.say("解决 T1 又一次")
    (ticket,) = _tickets(engine)
    assert ticket.resolution == "已补发新货" and ticket.closed_at is not None
    assert "没有。" in alice.say("工单列表")
    assert "T1" in alice.say("工单列表 已解决")


def test_request_note_reopen_and_handing_over(chat, engine):
    alice, bob = chat.user("alice"), chat.user("bob")
    bob.say("help")
    alice.say("new Acme")
    assert "Opened T1 (request, normal priority) for Acme (#1), assigned to you, due Thu 2026-11-19 10:00." in \
        alice.say("ticket Acme needs a copy of the invoice")
    assert "Note added to T1 (Acme)." in alice.say("note T1 asked finance")
    assert "T1 (Acme) moved from alice to bob." in alice.say("assign T1 bob")
    assert "T1 is already assigned to bob." in alice.say("assign T1 bob")
    assert "T1 is still open; nothing to reopen." in alice.say("reopen T1")
    bob.say("close T1 sent the invoice")
    assert "Reopened T1 (Acme) for bob" in alice.say("reopen T1 wrong invoice")
    shown = alice.say("ticket T1")
    for line in ("alice: opened needs a copy of the invoice", "alice: note asked finance", "alice: assigned to bob",
                 "bob: closed sent the invoice", "alice: reopened wrong invoice"):
        assert line in shown
    with Session(engine) as session:
        assert [e.action for e in session.exec(select(TicketEvent).order_by(TicketEvent.id))] == [
            "open", "note", "assign", "close", "reopen"]
    # A customer reference still reassigns the customer; its tickets stay with their assignee.
    assert "Acme" in alice.say("assign Acme bob") and "No ticket T1" in alice.say("ticket T1")
    assert "T1" in bob.say("tickets")


def test_hostile_and_mistaken_references_change_nothing(chat, engine):
    alice, carl = chat.user("alice"), chat.user("carl")
    alice.say("new Acme")
    alice.say("ticket Acme pump leaking priority:high")
    assert "No ticket T1 among the tickets you can see." in carl.say("close T1 mine now")
    assert "No ticket T99" in alice.say("close T99 done")
    assert '"T1x" is not a ticket number' in alice.say("note T1x hello")
    assert "not a valid" in alice.say("ticket Acme leak priority:whenever") or "whenever" in alice.say(
        "ticket Acme leak priority:whenever")
    assert "past" in alice.say("ticket Acme leak due:2020-01-01").lower() or "过去" in alice.say(
        "ticket Acme leak due:2020-01-01")
    (ticket,) = _tickets(engine)
    assert ticket.closed_at is None and ticket.assignee_id == 1


def test_working_hours_carry_a_friday_evening_deadline_into_monday(chat, engine, settings, clock):
    settings.service.working_hours = "09:00-18:00"
    clock.set(local(SH, 2026, 11, 20, 17, 0))  # Friday 17:00
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("ticket Acme line down priority:high")
    assert "due Mon 2026-11-23 12:00" in out  # 1 h on Friday, 3 h from Monday 09:00
    settings.service.working_hours = None


def test_overdue_alerts_the_assignee_once_then_the_manager(world, chat, engine):
    world.user("alice", tz=SH, team="east")
    world.user("mia", tz=SH, team="east", role="manager")
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("投诉 Acme 漏水 优先级:高")  # due 14:00 Shanghai

    assert _alerts(world.tick(local(SH, 2026, 11, 18, 13, 59))) == []
    report = world.tick(local(SH, 2026, 11, 18, 14, 1))
    assert _alerts(report) == [("ticket_overdue", "alice")]
    assert report.dispatched.delivered[0].occasion == "ticket#1@2026-11-18"
    [text] = [t for t in world.sender.texts("alice") if "T1" in t]
    assert "T1 Acme" in text and "漏水" in text
    assert _alerts(world.tick(local(SH, 2026, 11, 18, 16, 0))) == []  # once per deadline
    assert _alerts(world.tick(local(SH, 2026, 11, 18, 18, 1))) == [("ticket_escalation", "mia")]
    [escalation] = [t for t in world.sender.texts("mia") if "T1" in t]
    assert "T1 Acme (alice)" in escalation and "4 h" in escalation
    assert _alerts(world.tick(local(SH, 2026, 11, 18, 19, 0))) == []


def test_a_ticket_closed_in_time_alerts_nobody(world, chat):
    world.user("alice", tz=SH, team="east")
    world.user("mia", tz=SH, team="east", role="manager")
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("ticket Acme leak priority:high")
    alice.say("close T1 fixed")
    assert _alerts(world.tick(local(SH, 2026, 11, 18, 19, 0))) == []


def test_the_digest_counts_open_overdue_and_the_median_time_to_close(chat, engine, clock):
    alice, mia = chat.user("alice"), chat.user("mia")
    mia.say("help")
    alice.say("new Acme")
    clock.set(local(SH, 2026, 11, 17, 9, 0))
    alice.say("ticket Acme one priority:high")
    alice.say("ticket Acme two priority:high")
    alice.say("ticket Acme three priority:low")
    clock.set(local(SH, 2026, 11, 17, 11, 0))
    alice.say("close T1 done")
    clock.set(local(SH, 2026, 11, 17, 13, 0))
    alice.say("close T2 done")
    now = local(SH, 2026, 11, 18, 8, 0)
    with Session(engine) as session:
        manager = session.exec(select(User).where(User.name == "mia")).one()
        data = gather_digest(session, manager, period="daily", now=now, tz=clock.now().tzinfo or UTC)
    assert data.tickets is not None
    assert (data.tickets.open, data.tickets.overdue, data.tickets.closed) == (1, 0, 2)
    assert data.tickets.median_hours == 3.0  # 2 h and 4 h


def test_two_closes_at_once_close_the_ticket_once(bot, engine):
    say(bot, "alice", "new Acme")
    say(bot, "alice", "ticket Acme leaking priority:high")
    outputs = at_once([lambda: say(bot, "alice", "close T1 fixed it"),
                       lambda: say(bot, "alice", "close T1 replaced it")])
    no_errors(outputs)
    assert sum(out.startswith("Closed **T1**") for out in outputs) == 1
    assert sum("already closed" in out for out in outputs) == 1
    with Session(engine) as session:
        closes = session.exec(select(TicketEvent).where(TicketEvent.action == "close")).all()
    assert len(closes) == 1
    assert _tickets(engine)[0].resolution in ("fixed it", "replaced it")


def test_concurrent_tickets_for_one_customer_are_all_kept(bot, engine):
    say(bot, "alice", "new Acme")
    outputs = at_once([lambda i=i: say(bot, "alice", f"ticket Acme issue {i}") for i in range(4)])
    no_errors(outputs)
    assert sorted(t.text for t in _tickets(engine)) == [f"issue {i}" for i in range(4)]
    assert date(2026, 11, 19) == _tickets(engine)[0].due_at.date()


def test_help_lists_the_ticket_forms_of_assign_and_ticket(chat):
    listing = chat.user("alice").say("help")
    assert "assign give a ticket to another person" in listing
    assert "ticket show a ticket and its timeline" in listing


def test_the_slack_home_lists_the_customer_of_an_open_ticket(chat, engine, clock):
    from zoneinfo import ZoneInfo

    from adapters.slack.home import agenda_customers
    from bot.services.agenda import agenda_for

    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("ticket Acme broken pump")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == "alice")).one()
        agenda = agenda_for(session, user, now=clock.now(), tz=ZoneInfo(SH))
    assert agenda.tickets.total == 1 and agenda_customers(agenda) == [(1, "Acme")]
