"""Every Slack message within Slack's limits: a customer with long follow-ups is shown, shared and redrawn;
the emulator refuses what Slack refuses, so an oversized payload fails these tests."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.platforms import get
from tests.adapters.slack.conftest import ALICE, CHANNEL, SlackRunning, payload_text
from tests.emulators import slack_requests as inbound
from tests.emulators.slack_blocks import block_text_length, validate_message_blocks

NOTE = "Discussed the renewal in depth. " * 122  # 3,904 characters
DM = f"D{ALICE}"


def five_long_followups(slack: SlackRunning) -> None:
    slack.answers(slack.command("new Acme Trading phone:13800138000")[1])
    for n in range(5):
        slack.answers(slack.command(f"log Acme {n} {NOTE}")[1])


def within_limits(blocks: list[dict]) -> None:
    assert validate_message_blocks(blocks) == []
    assert len(blocks) <= 50 and block_text_length(blocks) <= 12_000


def test_the_capabilities_declare_slacks_limits() -> None:
    slack = get("slack")
    assert slack is not None
    caps = slack.capabilities
    assert (caps.max_blocks, caps.max_block_chars, caps.max_message_chars) == (50, 3000, 12_000)
    assert (caps.max_title_chars, caps.max_label_chars, caps.max_option_chars) == (24, 2000, 75)


def test_a_card_with_five_long_followups_is_shown_in_a_dm_and_in_a_slash_answer(slack):
    five_long_followups(slack)
    answer = slack.answers(slack.command("show Acme")[1])[0]
    within_limits(answer["blocks"])
    text = payload_text(answer["blocks"])
    assert "… more" in text and text.count("Discussed the renewal") < 5 * 122  # shortened, not cut off
    assert [e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]][-1] == \
        "⟦followups?customer=1⟧"

    assert slack.event(inbound.message_event("show Acme", ALICE, DM, channel_type="im")).status == 200
    slack.fake.wait_for("chat.postMessage", 1)
    slack.drain()
    posted = [c for c in slack.fake.calls("chat.postMessage") if c.params.get("channel") == DM]
    assert posted and all(c.response["ok"] for c in posted)  # Slack accepted the card
    within_limits(slack.fake.message(DM, posted[-1].response["ts"]).blocks)


def test_details_pages_the_full_followups_and_sharing_the_card_works(slack):
    five_long_followups(slack)
    _, hook = slack.command("followups Acme")
    slack.fake.wait_for("response_url", 8)
    slack.drain()
    pages = list(slack.fake.hook_posts(hook))
    assert len(pages) == 2 and all(p.status == 200 for p in pages)
    for page in pages:
        within_limits(page.body["blocks"])
    shown = payload_text([p.body["blocks"] for p in pages])
    assert all(f"&gt; {n} Discussed" in shown or f"> {n} Discussed" in shown for n in range(5))
    assert sum(block_text_length(p.body["blocks"]) for p in pages) >= 5 * len(NOTE)  # all five, in full

    slack.command("share Acme")
    slack.drain()
    share = slack.fake.calls("chat.postMessage")[-1]
    assert share.response["ok"] and share.params["channel"] == CHANNEL
    card = slack.fake.message(CHANNEL, share.response["ts"]).blocks
    within_limits(card)
    assert "13800138000" not in payload_text(card)

    # A later follow-up redraws the shared card in place, still within the limits.
    slack.answers(slack.command(f"log Acme 5 {NOTE}")[1])
    slack.drain()
    update = slack.fake.calls("chat.update")[-1]
    assert update.response["ok"]
    within_limits(slack.fake.message(CHANNEL, share.response["ts"]).blocks)


def test_the_emulator_refuses_what_slack_refuses(fake_slack, slack_client: WebClient) -> None:
    client = slack_client
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2999}} for _ in range(5)]
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=too_long)
    assert caught.value.response["error"] == "msg_blocks_too_long"
    too_many = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}} for _ in range(51)]
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=too_many)
    assert caught.value.response["error"] == "invalid_blocks"
    title = {"type": "modal", "title": {"type": "plain_text", "text": "A title that is far too long"},
             "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]}
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=fake_slack.issue_trigger_id(), view=title)
    assert caught.value.response["error"] == "invalid_blocks"
