"""Shared cards end to end: `share`, clicks by other people, and the card's thread as the discussion."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import FollowUp, SharedCard
from tests.adapters.slack.conftest import ALICE, BOB, CAROL, CHANNEL, SlackRunning, payload_text
from tests.emulators import slack_requests as inbound
from tests.emulators.slack_blocks import validate_message_blocks


def share_acme(slack: SlackRunning) -> str:
    """Alice creates Acme (with a phone and a next step) and shares it into #crm; returns the card's ts."""
    slack.answers(slack.command("new Acme Trading phone:13800138000")[1])
    slack.answers(slack.command("log Acme called them next:friday send the quote")[1])
    slack.command("share Acme")
    slack.drain()
    return slack.fake.calls("chat.postMessage")[-1].response["ts"]


def followups(slack: SlackRunning) -> list[FollowUp]:
    with Session(slack.runtime.engine) as session:
        return list(session.exec(select(FollowUp).order_by(FollowUp.id)).all())


def click(slack: SlackRunning, user: str, action_id: str, value: str, card_ts: str) -> str:
    """A button click on the shared card; returns the response_url it answers through."""
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=user)
    message = {"type": "message", "ts": card_ts, "text": "", "user": "UBOT"}
    result = slack.post(inbound.block_actions(action_id, value, user, channel_id=CHANNEL, message=message,
                                              response_url=hook))
    assert (result.status, result.body) == (200, "")
    return hook


def test_share_posts_the_card_publicly_without_sensitive_fields_and_remembers_it(slack):
    card_ts = share_acme(slack)
    post = slack.fake.message(CHANNEL, card_ts)
    assert post.user == "UBOT" and validate_message_blocks(post.blocks) == []
    assert post.blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Acme Trading", "emoji": True}}
    assert "13800138000" not in payload_text(post.blocks)  # the phone stays private
    assert "send the quote" in payload_text(post.blocks)
    with Session(slack.runtime.engine) as session:
        shared = session.exec(select(SharedCard)).one()
    assert (shared.workspace, shared.channel, shared.message_id) == ("T111", CHANNEL, card_ts)


def test_sharing_where_the_bot_is_not_invited_tells_the_asker_how_to_fix_it(slack):
    slack.answers(slack.command("new Acme Trading")[1])
    slack.fake.add_channel("C999", name="secret", bot_is_member=False)
    _, hook = slack.command("share Acme", channel="C999")
    answer = slack.answers(hook)[0]
    assert answer["response_type"] == "ephemeral"
    assert "Invite me with `/invite @crmbot`" in answer["text"]
    with Session(slack.runtime.engine) as session:
        assert session.exec(select(SharedCard)).all() == []


def test_buttons_run_as_the_person_who_clicked_not_the_one_who_shared(slack):
    card_ts = share_acme(slack)

    bob_sees = slack.answers(click(slack, BOB, "crm_details", "show #1", card_ts))[0]
    assert bob_sees["response_type"] == "ephemeral"
    assert "+8613800138000" in payload_text(bob_sees["blocks"])  # Bob's team shares customers

    carol_sees = slack.answers(click(slack, CAROL, "crm_details", "show #1", card_ts))[0]
    assert carol_sees["text"] == 'No customer matches "#1". Try `find #1`.'
    assert "13800138000" not in payload_text(carol_sees)

    carol_done = slack.answers(click(slack, CAROL, "crm_done", "done #1", card_ts))[0]
    assert carol_done["text"].startswith("No customer matches")
    assert slack.customer("Acme Trading").next_followup_at is not None  # Carol changed nothing

    slack.answers(click(slack, BOB, "crm_done", "done #1", card_ts))
    assert slack.customer("Acme Trading").next_followup_at is None


def test_a_thread_reply_is_logged_once_despite_a_redelivery_and_confirmed_with_a_reaction(slack):
    card_ts = share_acme(slack)
    reply = slack.fake.add_user_message(CHANNEL, BOB, "visited them, they want 200 units", thread_ts=card_ts)
    event = inbound.message_event(reply.text, BOB, CHANNEL, ts=reply.ts, thread_ts=card_ts)

    assert slack.event(event, event_id="EvTHREAD1").status == 200
    assert slack.event(event, event_id="EvTHREAD1", retry_num=1).status == 200  # Slack's retry
    assert slack.event(event, event_id="EvTHREAD2").status == 200  # the same message delivered again
    slack.drain()

    logged = [f for f in followups(slack) if f.source_thread == card_ts]
    assert [(f.text, f.kind, f.source_message_id) for f in logged] == [
        ("visited them, they want 200 units", "visit", f"{CHANNEL}:{reply.ts}")]
    assert slack.fake.message(CHANNEL, reply.ts).reactions == {"memo": ["UBOT"]}
    # The card itself now shows the new follow-up; nothing was echoed back into its own thread.
    slack.fake.wait_for("chat.update")
    assert "visited them" in payload_text(slack.fake.message(CHANNEL, card_ts).blocks)
    assert [m.text for m in slack.fake.thread(CHANNEL, card_ts)] == [reply.text]


def test_thread_replies_from_people_who_may_not_change_the_customer_are_left_alone(slack):
    card_ts = share_acme(slack)
    before = len(followups(slack))
    reply = slack.fake.add_user_message(CHANNEL, CAROL, "I think they went bankrupt", thread_ts=card_ts)
    slack.event(inbound.message_event(reply.text, CAROL, CHANNEL, ts=reply.ts, thread_ts=card_ts))
    bot_reply = inbound.message_event("echo", "UBOT", CHANNEL, thread_ts=card_ts, bot_id="BBOT")
    slack.event(bot_reply)
    slack.drain()
    assert len(followups(slack)) == before
    assert slack.fake.message(CHANNEL, reply.ts).reactions == {}
    assert slack.fake.ephemerals(user_id=CAROL) == [] and slack.fake.calls("reactions.add") == []


def test_follow_ups_logged_elsewhere_are_echoed_into_the_thread_and_the_card_is_redrawn(slack):
    card_ts = share_acme(slack)
    dm = inbound.message_event("log Acme met them at the fair", ALICE, "DU111", channel_type="im")
    assert slack.event(dm).status == 200
    slack.drain()

    echo = slack.fake.thread(CHANNEL, card_ts)
    assert len(echo) == 1 and echo[0].user == "UBOT"
    assert echo[0].text == "📝 *Alice Chen* logged a meeting: met them at the fair"
    card = slack.fake.message(CHANNEL, card_ts)
    assert card.previous_versions and "met them at the fair" in payload_text(card.blocks)
    assert "13800138000" not in payload_text(card.blocks)  # redrawn as a shared card: still no phone
    # Alice's own answer went to her DM.
    assert "Logged a meeting" in slack.fake.messages("DU111")[-1].text


def test_a_mention_in_a_cards_thread_is_a_command_not_a_follow_up(slack):
    card_ts = share_acme(slack)
    before = len(followups(slack))
    text = "<@UBOT> done #1"
    reply = slack.fake.add_user_message(CHANNEL, BOB, text, thread_ts=card_ts)
    slack.event(inbound.message_event(text, BOB, CHANNEL, ts=reply.ts, thread_ts=card_ts))
    slack.event(inbound.app_mention_event(text, BOB, CHANNEL, ts=reply.ts, thread_ts=card_ts))
    slack.drain()
    assert len(followups(slack)) == before and slack.customer("Acme Trading").next_followup_at is None
    done = slack.fake.ephemerals(CHANNEL, BOB)[-1]
    assert done.thread_ts == card_ts and done.text
