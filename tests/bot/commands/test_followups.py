"""Logging follow-ups with relative next steps in the user's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from storage.models import Customer, FollowUp


def test_log_with_next_step_sets_the_reminder_in_the_users_zone(chat, engine):
    # now = Wed 2026-11-18 10:00 in Shanghai
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("log Acme called about renewal next:friday 15:00 send the quote")
    assert "Logged a note for Acme" in out or "Logged a call for Acme" in out
    assert "send the quote" in out
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
        customer = session.exec(select(Customer)).one()
    assert followup.next_due_at == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 15:00 +08:00
    assert followup.next_step == "send the quote"
    assert customer.next_followup_at == followup.next_due_at
    assert customer.last_contact_at is not None


def test_date_only_next_step_is_due_at_the_owners_morning_hour(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("跟进 albb 电话沟通了续约 下次:3天后 发报价")
    assert "已为 阿里巴巴 记录一条电话跟进" in out
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    assert followup.kind == "call"
    assert followup.next_due_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 09:00 +08:00 on Sat
    assert followup.next_due_has_time is False


def test_card_shows_latest_followups_and_next_step(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    for n in range(1, 8):
        alice.say(f"log Acme touchpoint number {n}")
    alice.say("log Acme sent samples next:tomorrow 10:00 call back")
    card = alice.say("show Acme")
    assert "sent samples" in card and "touchpoint number 4" in card
    assert "touchpoint number 3" not in card  # only the latest five
    assert "call back" in card


def test_logging_in_the_past_is_refused_and_logs_nothing(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("log Acme called next:2026-01-02 again")
    assert "in the past" in out
    with Session(engine) as session:
        assert session.exec(select(FollowUp)).all() == []


def test_name_with_spaces_is_matched_before_the_text(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    alice.say("log Acme Trading visited the warehouse")
    with Session(engine) as session:
        assert session.exec(select(FollowUp.text)).one() == "visited the warehouse"


def test_next_step_glued_to_its_date_and_space_after_chinese_colon(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴 电话： 13900139000")
    out = alice.say("跟进 阿里巴巴 聊了续约 下次:明天下午3点打电话确认")
    assert "打电话确认" in out
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
        customer = session.exec(select(Customer)).one()
    assert customer.phone == "+8613900139000"
    assert followup.next_step == "打电话确认"
    assert followup.next_due_at == datetime(2026, 11, 19, 7, 0, tzinfo=UTC)


def test_vague_hour_is_questioned_not_guessed(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("跟进 阿里巴巴 聊了 下次:明天3点 回电")
    assert "不够明确" in out
    with Session(engine) as session:
        assert session.exec(select(FollowUp)).all() == []


def test_chinese_next_step_dates_reach_the_database(chat, engine):
    # now = Wed 2026-11-18 10:00 in Shanghai: 下周末 is Sat 2026-11-28, not 下周 + "末…"
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("跟进 阿里巴巴 电话沟通 下次:下周末去拜访")
    assert "11月28日 周六" in out
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    assert followup.next_due_date.isoformat() == "2026-11-28" and followup.next_step == "去拜访"


def test_vague_next_step_is_refused_with_a_suggestion(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("跟进 阿里巴巴 电话沟通 下次:改天再约")
    assert "没有说是哪一天" in out and "3天后" in out
    with Session(engine) as session:
        assert session.exec(select(FollowUp)).all() == []


def test_notes_and_steps_keep_their_punctuation_as_typed(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("跟进 阿里巴巴 拜访客户，谈了年度采购。对方说：“预算已批”；下周定 下次:明天下午3点打电话，确认数量、交期")
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    assert followup.text == "拜访客户，谈了年度采购。对方说：“预算已批”；下周定"
    assert followup.next_step == "打电话，确认数量、交期"
    assert followup.next_due_at == datetime(2026, 11, 19, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(("line", "note", "step"), [
    ("跟进 阿里巴巴 拜访客户，谈了年度采购。下次:明天 10:00 回访", "拜访客户，谈了年度采购。", "回访"),
    ("跟进 阿里巴巴 谈了报价；下次：明天 10:00 发合同。", "谈了报价；", "发合同。"),
    ("跟进 阿里巴巴 对方同意了！下次:明天 10:00 回访", "对方同意了！", "回访"),
    ("log 阿里巴巴 talked about the renewal.next:tomorrow 10:00 call back", "talked about the renewal.", "call back"),
])
def test_a_next_step_glued_after_a_sentence_end_is_read_and_the_note_keeps_its_punctuation(
        chat, engine, line, note, step):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say(line)
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    assert (followup.text, followup.next_step) == (note, step)
    assert followup.next_due_at == datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


def test_a_colon_inside_a_sentence_stays_text(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("跟进 阿里巴巴 见面了。地点:上海。比例3:2")
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    assert followup.text == "见面了。地点:上海。比例3:2" and followup.next_step is None


def test_english_notes_keep_commas_and_quotes(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say('log Acme called Bob, he said "maybe"; follow up next:friday 10:00 send quote, then call')
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    assert followup.text == 'called Bob, he said "maybe"; follow up'
    assert followup.next_step == "send quote, then call"
