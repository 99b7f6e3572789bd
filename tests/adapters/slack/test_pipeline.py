"""The pipeline over `/crm` on the fake Slack: Block Kit that Slack accepts, a button per stage that lists the
stage's deals when clicked."""

from __future__ import annotations

from tests.adapters.slack.conftest import ALICE, CHANNEL, payload_text
from tests.emulators import slack_requests as inbound
from tests.emulators.slack_blocks import validate_message_blocks


def test_the_funnel_is_block_kit_with_a_button_per_stage(slack):
    for line in ("new Acme", "deal Acme pumps amount:120k close:2026-12-31", "deal Acme valves amount:5000 stage:proposal"):
        slack.answers(slack.command(line)[1])
    _, hook = slack.command("pipeline")
    answer = slack.answers(hook)[0]
    assert answer["response_type"] == "ephemeral"
    assert validate_message_blocks(answer["blocks"]) == []
    text = payload_text(answer["blocks"])
    assert "qualify 10%" in text and "CNY 120,000.00 · weighted CNY 12,000.00" in text
    buttons = [b for b in answer["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("qualify (1)", "⟦pipeline_stage?stage=qualify&scope=mine⟧"),
        ("proposal (1)", "⟦pipeline_stage?stage=proposal&scope=mine⟧")]

    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    assert slack.post(inbound.block_actions(buttons[1]["action_id"], buttons[1]["value"], ALICE, channel_id=CHANNEL,
                                            response_url=hook)).status == 200
    listed = slack.answers(hook)[0]["text"]
    assert "Open deals · my deals · proposal" in listed and "*D2* valves · Acme · proposal" in listed
