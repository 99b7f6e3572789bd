"""Personal reminders, and the open next step's Done and Snooze (the card's buttons send these commands)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer, FollowUp, Reminder


def _reminders(engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).order_by(Reminder.id)).all())


def _step(engine) -> FollowUp:
    with Session(engine) as session:
        return session.exec(select(FollowUp).order_by(FollowUp.id.desc())).first()


def _customer(engine) -> Customer:
    with Session(engine) as session:
        return session.exec(select(Customer)).one()


# now = Wed 2026-11-18 10:00 in Shanghai


def test_remind_about_a_customer_at_a_time(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    out = alice.say("remind Acme Trading friday 15:00 send the contract")
    assert "OK, I'll remind you Fri 2026-11-20 15:00 (Asia/Shanghai): send the contract · Acme Trading (#1)." in out
    (reminder,) = _reminders(engine)
    assert reminder.due_at == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    assert reminder.customer_id == 1 and reminder.due_has_time and reminder.timezone == "Asia/Shanghai"
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.entity == "reminder")).one()
    assert json.loads(audit.after)["text"] == "send the contract"


def test_remind_me_without_a_customer_date_only_is_the_morning_hour(chat, engine):
    alice = chat.user("alice")
    out = alice.say("提醒 我 3天后 整理报价")
    assert "好的，11月21日 周六 09:00（Asia/Shanghai）提醒你：整理报价。" in out
    assert "I'll remind you" in alice.say("remindme tomorrow call the bank")
    first, second = _reminders(engine)
    assert first.customer_id is None and first.due_has_time is False
    assert first.due_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert second.text == "call the bank"


def test_chinese_time_glued_to_the_text(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("提醒 albb 明天下午3点确认发货")
    (reminder,) = _reminders(engine)
    assert reminder.due_at == datetime(2026, 11, 19, 7, 0, tzinfo=UTC) and reminder.text == "确认发货"


def test_reminders_in_new_york_are_absolute_instants_across_daylight_saving(chat, engine):
    alice = chat.user("alice")
    alice.say("settings tz:America/New_York morning:8")
    winter = alice.say("remind me 2026-12-01 09:00 winter call")
    summer = alice.say("remind me 2027-03-15 09:00 spring call")
    alice.say("remind me 2027-03-16 spring morning")
    assert "Tue 2026-12-01 09:00 (America/New_York)" in winter
    assert "Mon 2027-03-15 09:00 (America/New_York)" in summer
    december, march, morning = _reminders(engine)
    assert december.due_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # EST, UTC-5
    assert march.due_at == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    assert morning.due_at == datetime(2027, 3, 16, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert december.timezone == "America/New_York"


def test_date_only_today_after_the_morning_hour_is_due_right_away(chat, engine, clock):
    alice = chat.user("alice")
    alice.say("remind me today chase the invoice")
    (reminder,) = _reminders(engine)
    assert reminder.due_at == clock.now()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("remind me yesterday x", "is in the past"),
        ("remind me 13:99 x", "not a valid date or time"),
        ("remind me 2026-11-18 08:00 x", "is in the past"),
        ("remind me tomorrow", "Missing text"),
        ("remind me", "Missing when"),
        ("remind me someday x", '"someday" names no day'),
        ("remind Nobody tomorrow x", 'No customer matches "Nobody"'),
        ("remind me 2026-02-30 x", "not a valid date"),
        ("提醒 我 昨天 打电话", "已经过去了"),
    ],
)
def test_bad_reminders_create_nothing(chat, engine, line, expected):
    alice = chat.user("alice")
    assert expected in alice.say(line)
    assert _reminders(engine) == []


def test_another_rep_cannot_set_reminders_on_your_customer(chat, engine):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme")
    assert bob.say("remind #1 tomorrow spy") == bob.say("remind #99 tomorrow spy").replace("#99", "#1")
    assert _reminders(engine) == []


def test_done_closes_the_open_step_and_clears_the_card(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme called next:friday 15:00 send quote")
    out = alice.say("done #1")
    assert "Done: send quote for Acme (#1)." in out
    assert _step(engine).done_at is not None
    customer = _customer(engine)
    assert customer.next_followup_at is None and customer.next_step is None
    assert "Next step: none yet" in alice.say("show Acme")
    with Session(engine) as session:
        actions = session.exec(select(AuditLog.entity).where(AuditLog.action == "update")).all()
    assert sorted(actions) == ["customer", "followup"]


def test_done_without_an_open_step_changes_nothing(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    before = _customer(engine).model_dump()
    assert "没有待办的下一步，未做任何修改" in alice.say("完成 Acme")
    assert "has no open next step; nothing was changed" in alice.say("done Acme")
    assert _customer(engine).model_dump() == before


def test_snooze_moves_a_future_step_one_day_later_keeping_its_time(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme called next:friday 15:00 send quote")
    out = alice.say("snooze #1")
    assert "now due Sat 2026-11-21 15:00" in out
    step = _step(engine)
    assert step.next_due_at == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    assert step.next_due_date == date(2026, 11, 21)
    assert _customer(engine).next_followup_at == step.next_due_at


def test_snooze_an_overdue_date_only_step_counts_from_today(chat, engine, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme called next:tomorrow send quote")
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # four days later, the step is overdue
    out = alice.say("推迟 Acme 2d")
    assert "改到 11月25日 周三" in out
    assert _step(engine).next_due_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 Shanghai


@pytest.mark.parametrize(("typed", "due"), [("2天", date(2026, 11, 21)), ("两天", date(2026, 11, 21)),
                                           ("一周", date(2026, 11, 26)), ("半个月", date(2026, 12, 4))])
def test_snooze_takes_chinese_durations(chat, engine, typed, due):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("跟进 阿里巴巴 电话沟通 下次:明天 发报价")  # due Thu 2026-11-19
    out = alice.say(f"推迟 阿里巴巴 {typed}")
    assert "改到" in out
    assert _step(engine).next_due_date == due


def test_snooze_with_a_clock_time_names_the_instant(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme called next:tomorrow send quote")
    alice.say("snooze Acme 2h")
    step = _step(engine)
    assert step.next_due_at == datetime(2026, 11, 18, 4, 0, tzinfo=UTC) and step.next_due_has_time


def test_snooze_without_an_open_step_pauses_churn_warnings(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    assert "paused its churn warnings until 2026-12-18" in alice.say("snooze Acme")
    alice.say("稍后 Acme 1w")
    assert _customer(engine).snoozed_until == date(2026, 11, 25)
    with Session(engine) as session:
        audits = session.exec(select(AuditLog.after).where(AuditLog.entity == "customer", AuditLog.action == "update")).all()
    assert [json.loads(a) for a in audits] == [{"snoozed_until": "2026-12-18"}, {"snoozed_until": "2026-11-25"}]


def test_snooze_by_less_than_a_day_is_refused(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme called next:friday send quote")
    before = _step(engine).model_dump()
    assert "snooze by at least a day" in alice.say("snooze Acme today")
    assert "is in the past" in alice.say("snooze Acme 2026-11-18 08:00")
    assert _step(engine).model_dump() == before


def test_another_rep_cannot_press_done_or_snooze_on_your_card(chat, engine):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme")
    alice.say("log Acme called next:friday send quote")
    assert bob.say("done #1") == bob.say("done #99").replace("#99", "#1")
    assert bob.say("snooze #1 1d") == bob.say("snooze #99 1d").replace("#99", "#1")
    assert _step(engine).done_at is None
