"""How people really type: glued Chinese, `me`, multi-word dates in options."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from storage.models import Order, Reminder


def test_chinese_command_glued_to_its_argument(chat):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    assert "阿里巴巴 #1" in alice.say("查看阿里巴巴")


def test_remind_me_without_a_customer_and_the_glued_alias(chat, engine):
    alice = chat.user("alice")
    alice.say("remind me tomorrow 15:00 call the bank")
    alice.say("提醒我明天下午4点发报价")
    with Session(engine) as session:
        reminders = session.exec(select(Reminder).order_by(Reminder.id)).all()
    assert [(r.customer_id, r.text) for r in reminders] == [(None, "call the bank"), (None, "发报价")]
    assert reminders[0].due_at == datetime(2026, 11, 19, 7, 0, tzinfo=UTC)
    assert reminders[1].due_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)


def test_help_shows_the_me_form(chat):
    assert "remind <customer|me> <when> <text>" in chat.user("alice").say("help remind")


def test_date_option_spanning_two_words(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 12000 due:next friday")
    with Session(engine) as session:
        order = session.exec(select(Order)).one()
    assert order.payment_due == date(2026, 11, 27)  # Friday of next week, seen from Wed 2026-11-18


def test_tags_typed_as_a_comma_list_are_all_tags_and_leave_the_name_alone(chat):
    alice = chat.user("alice")
    created = alice.say("new 杭州华城电子 tags:renewal,华东")
    assert "Created customer 杭州华城电子 (#1)" in created and "Tags: renewal, 华东" in created
    assert "标签: vip, 华东, 重点" in alice.say("新建 上海贸易 标签：vip，华东、重点")
    alice.say("edit #1 tags:expo, 华南")
    assert "Tags: expo, 华南" in alice.say("show #1")


def test_a_comma_before_another_option_still_ends_the_tags(chat):
    alice = chat.user("alice")
    out = alice.say("new Acme Trading tags:vip,电话:13800138000")
    assert "Tags: vip" in out and "Phone: +8613800138000" in out
