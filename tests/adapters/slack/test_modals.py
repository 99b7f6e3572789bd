"""The *Log follow-up* and *New customer* modals end to end: opening, inline errors, submitting."""

from __future__ import annotations

import json
import threading

from sqlmodel import Session, select

from storage.models import Customer, FollowUp
from tests.adapters.slack.conftest import ALICE, BOB, CHANNEL, SlackRunning
from tests.emulators import slack_requests as inbound


def opened_view(slack: SlackRunning, n: int = 1) -> dict:
    """The payload of the n-th modal opened with views.open."""
    slack.fake.wait_for("views.open", n)
    call = slack.fake.calls("views.open")[n - 1]
    assert call.ok, call.response
    return call.response["view"]


def submit(slack: SlackRunning, view: dict, values: dict, user: str = ALICE) -> tuple[int, dict | None]:
    body = inbound.view_submission(view["callback_id"], values, view["private_metadata"], user, view_id=view["id"])
    result = slack.post(body)
    return result.status, (json.loads(result.body) if result.body else None)


def log_values(note: str, kind: str = "call", day: str | None = None, step: str = "") -> dict:
    values: dict = {
        "kind": {"value": {"type": "static_select", "selected_option": {"value": kind}}},
        "note": {"value": note},
        "next_date": {"value": {"type": "datepicker", "selected_date": day}},
        "next_step": {"value": step},
    }
    return values


def test_log_button_opens_the_form_and_a_submission_logs_as_the_submitter(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=BOB)
    slack.post(inbound.block_actions("crm_log", "log #1 ", BOB, channel_id=CHANNEL, response_url=hook))
    view = opened_view(slack)
    assert view["callback_id"] == "crm_log_followup" and view["title"]["text"] == "Log follow-up"
    assert [b.get("block_id") for b in view["blocks"][1:]] == ["kind", "note", "next_date", "next_step"]

    note = 'said "yes", next:never mind — kind:fake'
    status, answer = submit(slack, view, log_values(note, "visit", "2026-11-20", "send the quote"), user=BOB)
    assert (status, answer) == (200, None)  # the modal closes
    slack.drain()
    with Session(slack.runtime.engine) as session:
        followup = session.exec(select(FollowUp)).one()
        customer = session.get(Customer, 1)
    assert (followup.text, followup.kind, followup.next_step) == (note, "visit", "send the quote")
    assert followup.next_due_date.isoformat() == "2026-11-20" and customer.next_step == "send the quote"
    confirmation = slack.fake.ephemerals(CHANNEL, BOB)[-1]
    assert confirmation.text.startswith("Logged a visit for *Acme Trading*")


def test_log_form_errors_are_shown_next_to_the_fields(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.command("log Acme")  # a customer and no text: the form
    view = opened_view(slack)

    status, answer = submit(slack, view, log_values("   ", step="call back"))
    assert status == 200 and answer == {"response_action": "errors", "errors": {
        "note": "Write what happened.", "next_date": "Pick the day of the next step."}}
    status, answer = submit(slack, view, log_values("called", day="2026-11-01"))
    assert answer["errors"] == {"next_date": "That day is in the past; pick a future day."}
    with Session(slack.runtime.engine) as session:
        assert session.exec(select(FollowUp)).all() == []


def test_log_form_for_a_customer_the_submitter_cannot_see_reports_the_core_refusal(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.command("log #1", user="U333")
    view = opened_view(slack)
    status, answer = submit(slack, view, log_values("sneaky"), user="U333")
    assert answer == {"response_action": "errors", "errors": {"note": 'No customer matches "#1". Try find #1.'}}


def test_new_without_a_name_opens_the_create_form_with_inline_validation_and_duplicates(slack):
    slack.answers(slack.command("new Acme Trading phone:13800138000")[1])
    result, _ = slack.command("new")
    assert result.status == 200
    view = opened_view(slack)
    assert view["callback_id"] == "crm_new_customer"

    status, answer = submit(slack, view, {"name": {"value": "Globex"}, "phone": {"value": "12"},
                                          "email": {"value": "not-an-email"}})
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"phone": '"12" is not a valid phone number.',
                                "email": '"not-an-email" is not a valid email address.'}

    status, answer = submit(slack, view, {"name": {"value": "ACME trading"}, "phone": {"value": "138 0013 8000"}})
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["name"]
    assert "#1 Acme Trading (same phone)" in answer["errors"]["name"] and "Create it anyway" in answer["errors"]["name"]

    force = {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
    status, answer = submit(slack, view, {"name": {"value": 'Acme "East" Trading'}, "phone": {"value": "13800138000"},
                                          "region": {"value": "Hangzhou, Zhejiang"}, "force": force})
    assert (status, answer) == (200, None)
    slack.drain()
    created = slack.customer('Acme "East" Trading')
    assert (created.region, created.phone) == ("Hangzhou, Zhejiang", "+8613800138000")
    assert slack.fake.ephemerals(CHANNEL, ALICE)[-1].text.startswith("Created customer")


def test_home_new_customer_button_opens_the_form_in_the_users_language(slack):
    slack.answers(slack.command("settings lang:zh")[1])
    home = {"id": "VHOME", "type": "home", "team_id": "T111"}
    slack.post(inbound.block_actions("crm_home_new", "new", ALICE, view=home))
    view = opened_view(slack)
    assert view["title"]["text"] == "新建客户" and view["submit"]["text"] == "保存"


def test_a_slow_submission_closes_the_form_in_time_and_confirms_later(slack, monkeypatch):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.command("log Acme")
    view = opened_view(slack)
    gate = threading.Event()
    handle = slack.runtime.bot.handle

    def slow_handle(incoming):
        if incoming.text.startswith("log "):
            gate.wait(10)
        return handle(incoming)

    monkeypatch.setattr(slack.runtime.bot, "handle", slow_handle)
    monkeypatch.setattr("adapters.slack.adapter.SUBMISSION_DEADLINE_S", 0.2)
    body = inbound.view_submission(view["callback_id"], log_values("called"), view["private_metadata"], ALICE,
                                   view_id=view["id"])
    result = slack.post(body)
    try:
        assert (result.status, result.body) == (200, "") and result.elapsed_s < 1.5  # the modal closes
    finally:
        gate.set()
    slack.drain()
    assert slack.fake.ephemerals(CHANNEL, ALICE)[-1].text.startswith("Logged a call for *Acme Trading*")
