"""Modal submissions become commands the core reads back word for word; event ids are claimed once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from adapters.slack.dedupe import EventDeduper
from adapters.slack.modals import (
    LogForm,
    NewCustomerForm,
    UnquotableValue,
    log_command,
    log_form_errors,
    new_customer_command,
    quote_value,
)
from bot.messages import Incoming
from storage.models import Customer, FollowUp


def run(bot, text: str) -> list:
    return bot.handle(Incoming(platform="console", workspace="", channel="console:alice", user_id="alice",
                               user_name="alice", text=text))


def test_values_are_quoted_with_a_quote_they_do_not_contain():
    assert quote_value("Acme  Trading\nLtd") == '"Acme Trading Ltd"'
    assert quote_value('said "yes"') == "「said \"yes\"」"
    assert quote_value('“a” 「b」') == "『“a” 「b」』"
    with pytest.raises(UnquotableValue):
        quote_value('" 「 『')


def test_a_logged_form_reaches_the_core_word_for_word(bot, engine):
    run(bot, "new Acme")
    note = 'said "yes", next:friday kind:email — 好的，下周见'
    form = LogForm("visit", note, date(2026, 11, 20), "send 'the' quote, today")
    assert all(reply.ok for reply in run(bot, log_command("#1", form)))
    with Session(engine) as session:
        followup = session.exec(select(FollowUp)).one()
    # Word for word, full-width punctuation included.
    assert (followup.text, followup.kind, followup.next_step) == (note, "visit", "send 'the' quote, today")
    assert followup.next_due_date == date(2026, 11, 20)


def test_a_new_customer_form_reaches_the_core_word_for_word(bot, engine):
    form = NewCustomerForm(name='Acme "East", Ltd: 1', phone="+86 138 0013 8000", email="sales@acme.example",
                           industry="retail", region="Hangzhou, Zhejiang", notes="tier:vip is a joke", force=False)
    assert all(reply.ok for reply in run(bot, new_customer_command(form)))
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
    assert (customer.name, customer.region, customer.notes, customer.tier) == (
        'Acme "East", Ltd: 1', "Hangzhou, Zhejiang", "tier:vip is a joke", "normal")
    assert (customer.phone, customer.email) == ("+8613800138000", "sales@acme.example")


def test_log_form_checks_what_it_can_before_running():
    today = date(2026, 11, 18)
    assert log_form_errors(LogForm("call", "ok", today, ""), today=today, lang="en") == {}
    assert log_form_errors(LogForm("call", "", None, "x"), today=today, lang="zh") == {
        "note": "请填写跟进内容。", "next_date": "请选择下一步的日期。"}


def test_an_event_id_is_claimed_once_until_it_expires():
    now = [0.0]
    deduper = EventDeduper(ttl_s=60, clock=lambda: now[0])
    assert deduper.claim("T1:Ev1") and not deduper.claim("T1:Ev1")
    assert deduper.claim("T2:Ev1")  # another workspace's event
    now[0] = 61
    assert deduper.claim("T1:Ev1")
