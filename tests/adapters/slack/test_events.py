"""Events API end to end: App Home, mentions, DMs, redeliveries, and what must be ignored."""

from __future__ import annotations

from tests.adapters.slack.conftest import ALICE, CHANNEL, payload_text
from tests.emulators import slack_requests as inbound
from tests.emulators.slack_blocks import validate_view


def test_opening_the_home_tab_shows_my_day_with_a_menu_per_customer(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.answers(slack.command("log Acme called next:today 18:00 send the quote")[1])
    assert slack.event(inbound.app_home_opened_event(ALICE), event_id="EvHOME1").status == 200
    assert slack.event(inbound.app_home_opened_event(ALICE), event_id="EvHOME1", retry_num=1).status == 200
    slack.drain()

    assert len(slack.fake.calls("views.publish")) == 1  # the redelivery did nothing
    home = slack.fake.home_view(ALICE).payload
    assert validate_view(home) == []
    text = payload_text(home)
    assert "My day" in text and "send the quote" in text
    menu = [b for b in home["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert len(menu) == 1 and "*Acme Trading* #1" in menu[0]["text"]["text"]
    assert [o["value"] for o in menu[0]["accessory"]["options"]] == [
        "⟦done?customer=1⟧", "⟦snooze?customer=1⟧", "⟦log?customer=1⟧", "⟦details?customer=1⟧"]


def test_a_home_menu_posted_before_actions_existed_still_runs_its_command(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.answers(slack.command("log Acme called next:today 18:00 send the quote")[1])
    home = {"id": "VHOME", "type": "home", "team_id": "T111"}
    body = inbound.block_actions("crm_home_item", "", ALICE, view=home, action_type="overflow")
    body = body.replace("%22value%22%3A%20%22%22", "%22selected_option%22%3A%20%7B%22value%22%3A%20%22done%20%231%22%7D")
    assert slack.post(body).status == 200
    slack.drain()
    assert slack.customer("Acme Trading").next_followup_at is None
    assert slack.fake.messages("DU111")[-1].user == "UBOT"  # the answer went to Alice's DM
    assert "send the quote" not in payload_text(slack.fake.home_view(ALICE).payload)


def test_the_messages_tab_does_not_publish_a_home(slack):
    slack.event(inbound.app_home_opened_event(ALICE, tab="messages"))
    slack.drain()
    assert slack.fake.calls("views.publish") == []


def test_a_mention_runs_the_command_and_answers_privately_in_its_thread(slack):
    slack.answers(slack.command("new Acme Trading phone:13800138000")[1])
    mention = inbound.app_mention_event("<@UBOT> show Acme", ALICE, CHANNEL)
    assert slack.event(mention).status == 200
    slack.drain()
    shown = slack.fake.ephemerals(CHANNEL, ALICE)[-1]
    assert shown.thread_ts == mention["ts"] and "+8613800138000" in payload_text(shown.blocks)
    assert slack.fake.messages(CHANNEL) == []  # nobody else saw the phone


def test_a_mention_with_share_posts_the_card_at_the_top_of_the_channel(slack):
    slack.answers(slack.command("新建 阿里巴巴")[1])
    slack.event(inbound.app_mention_event("<@UBOT> 分享 阿里巴巴", ALICE, CHANNEL, thread_ts="1.000001"))
    slack.drain()
    card = slack.fake.messages(CHANNEL)[-1]
    assert card.thread_ts is None and card.blocks[0]["text"]["text"] == "阿里巴巴"


def test_a_direct_message_is_a_command_answered_in_the_dm(slack):
    dm = inbound.message_event("new Acme Trading", ALICE, "DU111")
    assert slack.event(dm).status == 200
    slack.event(dm, retry_num=1)  # redelivered with a new event id: the message ts still dedupes it
    slack.drain()
    answers = [m for m in slack.fake.messages("DU111") if m.user == "UBOT"]
    assert len(answers) == 1 and answers[0].text == "Created customer *Acme Trading* (#1)."
    assert slack.customer("Acme Trading").owner_id is not None


def test_bots_edits_and_plain_channel_chatter_are_ignored(slack):
    slack.event(inbound.message_event("new From A Bot", "UOTHER", "DU111", bot_id="BOTHER"))
    slack.event(inbound.message_event("new Edited", ALICE, "DU111", subtype="message_changed"))
    slack.event(inbound.message_event("new Just Chatting", ALICE, CHANNEL))
    slack.drain()
    assert slack.fake.calls("chat.postMessage") == [] and slack.fake.calls("chat.postEphemeral") == []


def test_subscribed_events_without_work_are_acknowledged_not_404(slack):
    joined = {"type": "member_joined_channel", "user": ALICE, "channel": CHANNEL, "event_ts": "1.1"}
    assert slack.event(joined).status == 200
