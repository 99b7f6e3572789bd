"""The "Log to customer" message shortcut with its customer picker, unfurls of crmbot card links, and private
cards redrawn in place after a click — through Bolt against the Slack emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import FollowUp
from tests.adapters.slack.conftest import ALICE, BOB, CAROL, CHANNEL, SlackRunning, payload_text
from tests.emulators import slack_requests as inbound
from tests.emulators.slack import FakeSlack

PUBLIC = "https://crm.example.com"


@pytest.fixture
def config_overrides(config_overrides: dict[str, Any], fake_slack: FakeSlack) -> dict[str, Any]:
    return {**config_overrides, "http": {"public_url": PUBLIC}}


def opened_view(slack: SlackRunning) -> dict[str, Any]:
    slack.fake.wait_for("views.open", 1)
    call = slack.fake.calls("views.open")[-1]
    assert call.ok, call.response
    return call.response["view"]


def shortcut_on(slack: SlackRunning, text: str) -> tuple[dict[str, Any], str]:
    """Bob said `text` in #crm; Alice picks "Log to customer" on it. Returns the opened modal and the ts."""
    posted = slack.fake.messages_store.store(slack.fake.directory.resolve_channel(CHANNEL), user=BOB, text=text)
    message = {"type": "message", "ts": posted.ts, "text": text, "user": BOB}
    result = slack.post(inbound.message_shortcut("crm_log_message", message, ALICE, channel_id=CHANNEL))
    assert (result.status, result.body) == (200, "")
    return opened_view(slack), posted.ts


def search(slack: SlackRunning, view: dict[str, Any], typed: str, user: str = ALICE,
           team: str = "T111") -> list[dict[str, Any]]:
    answer = slack.post(inbound.block_suggestion("crm_customer_pick", typed, view, user, team_id=team))
    assert answer.status == 200
    return json.loads(answer.body)["options"]


def submit(slack: SlackRunning, view: dict[str, Any], values: dict[str, Any]) -> tuple[int, dict | None]:
    body = inbound.view_submission(view["callback_id"], values, view["private_metadata"], ALICE, view_id=view["id"])
    result = slack.post(body)
    return result.status, (json.loads(result.body) if result.body else None)


def test_log_to_customer_opens_the_form_prefilled_searches_customers_and_records_the_permalink(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.answers(slack.command("new Acme Foods")[1])
    view, ts = shortcut_on(slack, "Customer asked for a 10% discount on 500 units")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["note"]["element"]["initial_value"] == "Customer asked for a 10% discount on 500 units"
    assert blocks["customer"]["element"]["type"] == "external_select"

    options = search(slack, view, "acme")
    assert sorted(o["value"] for o in options) == ["#1", "#2"]
    assert {o["text"]["text"] for o in options} == {"Acme Trading (#1)", "Acme Foods (#2)"}
    assert search(slack, view, "acme", user=CAROL, team="T999") == []  # another workspace sees none

    status, answer = submit(slack, view, {
        "customer": {"crm_customer_pick": {"type": "external_select", "selected_option": {"value": "#1"}}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "message"}}},
        "note": {"value": "Asked for 10% off on 500 units"},
        "next_date": {"value": {"type": "datepicker", "selected_date": None}},
        "next_step": {"value": ""},
    })
    assert (status, answer) == (200, None)
    slack.drain()
    with Session(slack.runtime.engine) as session:
        [followup] = session.exec(select(FollowUp)).all()
    assert (followup.customer_id, followup.kind, followup.text) == (1, "message", "Asked for 10% off on 500 units")
    assert followup.source_url is not None
    assert followup.source_url.endswith(f"/archives/{CHANNEL}/p{ts.replace('.', '')}")
    full = slack.answers(slack.command("followups #1")[1])[-1]
    assert followup.source_url in payload_text(full)


def test_a_submission_without_a_customer_is_refused_next_to_the_picker(slack):
    view, _ = shortcut_on(slack, "hello")
    status, answer = submit(slack, view, {"note": {"value": "hello"},
                                          "kind": {"value": {"type": "static_select",
                                                             "selected_option": {"value": "note"}}}})
    assert status == 200 and answer is not None
    assert answer["errors"]["customer"].startswith("Choose the customer")
    with Session(slack.runtime.engine) as session:
        assert session.exec(select(FollowUp)).all() == []


def test_crmbot_card_links_unfurl_redacted_for_people_allowed_to_see_the_card(slack):
    slack.answers(slack.command("new Acme Trading phone:13800138000")[1])
    link = f"{PUBLIC}/customers/1"
    assert slack.event(inbound.link_shared_event([link, "https://example.org/customers/1"], BOB)).status == 200
    slack.fake.wait_for("chat.unfurl", 1)
    slack.drain()
    [unfurl] = slack.fake.calls("chat.unfurl")
    assert unfurl.ok, unfurl.response
    unfurls = unfurl.params["unfurls"]
    unfurls = json.loads(unfurls) if isinstance(unfurls, str) else unfurls
    assert list(unfurls) == [link]  # only crmbot's card link
    shown = payload_text(unfurls[link]["blocks"])
    assert "Acme Trading" in shown and "13800138000" not in shown  # redacted, as every shared card is

    # Carol may not see Acme (another workspace): her link is not unfurled.
    slack.event(inbound.link_shared_event([link], CAROL), team_id="T999")
    slack.drain()
    assert len(slack.fake.calls("chat.unfurl")) == 1


def test_a_click_on_a_private_card_redraws_it_in_place(slack):
    answer = slack.answers(slack.command("new Acme Trading")[1])[0]
    slack.answers(slack.command("log Acme called next:2030-01-10 send the quote")[1])
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    done = next(b for b in buttons if b["action_id"].startswith("crm_done"))
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    before = len(slack.fake.hook_posts())
    message = {"type": "message", "ts": "1700000000.000100", "text": "", "user": "UBOT"}
    body = inbound.block_actions(done["action_id"], done["value"], ALICE, channel_id=CHANNEL, message=message,
                                 response_url=hook)
    payload = json.loads(__import__("urllib.parse").parse.parse_qs(body)["payload"][0])
    payload["container"]["is_ephemeral"] = True  # the card was an answer only Alice sees
    slack.post(__import__("urllib.parse").parse.urlencode({"payload": json.dumps(payload)}))
    slack.fake.wait_for("response_url", before + 1)
    slack.drain()
    [redraw] = [p.body for p in slack.fake.hook_posts(hook)]
    assert redraw["replace_original"] is True  # the clicked card itself changes
    text = payload_text(redraw["blocks"])
    assert "send the quote" in text and "Acme Trading" in text  # the answer, above the card as it is now
    assert any(b["type"] == "header" for b in redraw["blocks"])
