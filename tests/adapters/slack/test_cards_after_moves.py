"""Through the Slack stand-in: a shared card whose customer is deleted or moves to another team stops showing
it (no details, no buttons) and its thread stops receiving the customer's news; the new team shares afresh."""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.slack.conftest import ALICE, CAROL, CHANNEL, SECRET, SlackRunning, payload_text
from tests.adapters.slack.test_shared_cards import share_acme
from tests.emulators import slack_requests as inbound
from tests.emulators.slack import DEFAULT_TOKEN, FakeSlack

WEST_CHANNEL = "C222"


@pytest.fixture
def config_overrides(fake_slack: FakeSlack) -> dict[str, Any]:
    return {
        "slack_bot_token": DEFAULT_TOKEN, "slack_signing_secret": SECRET, "slack_api_url": fake_slack.base_url,
        "http_port": 0, "roles": {"admins": [f"slack:{ALICE}"]},
        "teams": [{"name": "East", "members": [f"slack:{ALICE}", "slack:U222"], "shares_customers": True},
                  {"name": "West", "members": [f"slack:{CAROL}"], "shares_customers": True}],
        "defaults": {"language": "en", "timezone": "Asia/Shanghai"},
    }


def block_types(blocks: list[dict]) -> set[str]:
    return {block["type"] for block in blocks}


def dm_log(slack: SlackRunning, user: str, text: str) -> None:
    assert slack.event(inbound.message_event(text, user, f"D{user}", channel_type="im")).status == 200
    slack.drain()


def test_a_card_of_a_customer_moved_to_another_team_shows_it_moved_and_hears_nothing_more(slack):
    card_ts = share_acme(slack)
    assert "actions" in block_types(slack.fake.message(CHANNEL, card_ts).blocks)
    dm_log(slack, CAROL, "hello")  # Carol has used the bot: she can be named

    slack.command(f"assign Acme <@{CAROL}>")
    slack.drain()

    card = slack.fake.message(CHANNEL, card_ts)
    shown = payload_text(card.blocks)
    assert "another team" in shown and "send the quote" not in shown
    assert "actions" not in block_types(card.blocks)  # no buttons
    dm_log(slack, CAROL, "log Acme visited the new office")
    assert slack.fake.thread(CHANNEL, card_ts) == []  # East's thread hears nothing of West's customer

    slack.fake.add_channel(WEST_CHANNEL, name="west", bot_is_member=True)
    slack.command("share Acme", user=CAROL, channel=WEST_CHANNEL)
    slack.drain()
    west_ts = slack.fake.calls("chat.postMessage")[-1].response["ts"]
    assert "actions" in block_types(slack.fake.message(WEST_CHANNEL, west_ts).blocks)
    dm_log(slack, CAROL, "log Acme sent the catalogue")
    [echo] = slack.fake.thread(WEST_CHANNEL, west_ts)  # the new team's card hears the news
    assert "sent the catalogue" in echo.text
    assert slack.fake.thread(CHANNEL, card_ts) == []


def test_a_card_of_a_deleted_customer_says_so_without_buttons_and_its_thread_no_longer_logs(slack):
    card_ts = share_acme(slack)

    slack.command("delete Acme")
    slack.drain()

    card = slack.fake.message(CHANNEL, card_ts)
    assert "was deleted" in payload_text(card.blocks) and "actions" not in block_types(card.blocks)
    reply = slack.fake.add_user_message(CHANNEL, ALICE, "they called back", thread_ts=card_ts)
    slack.event(inbound.message_event(reply.text, ALICE, CHANNEL, ts=reply.ts, thread_ts=card_ts))
    slack.drain()
    assert slack.fake.message(CHANNEL, reply.ts).reactions == {}

    slack.command("restore #1")
    slack.drain()
    assert "actions" in block_types(slack.fake.message(CHANNEL, card_ts).blocks)  # live again
