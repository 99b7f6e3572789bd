"""Clicks are language-neutral: buttons and Home menus carry an action id and its arguments, and a Chinese
rep's click is answered in Chinese without changing the language crmbot keeps for their pushes."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import User
from tests.adapters.slack.conftest import ALICE, BOB, CHANNEL, SlackRunning, payload_text
from tests.emulators import slack_requests as inbound


def buttons_of(answer: dict) -> list[dict]:
    return [b for b in answer["blocks"] if b["type"] == "actions"][0]["elements"]


def test_a_chinese_reps_done_click_is_answered_in_chinese_and_keeps_their_language(slack: SlackRunning) -> None:
    _, hook = slack.command("新建 阿里巴巴", user=BOB)
    slack.answers(hook)
    slack.answers(slack.command("跟进 阿里巴巴 电话沟通 下次:明天 发报价", user=BOB)[1])
    card = slack.answers(slack.command("查看 阿里巴巴", user=BOB)[1])[0]
    done = next(b for b in buttons_of(card) if b["action_id"] == "crm_done")
    assert done["value"] == "⟦done?customer=1⟧" and done["text"]["text"] == "完成"

    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=BOB)
    assert slack.post(inbound.block_actions("crm_done", done["value"], BOB, channel_id=CHANNEL,
                                            response_url=hook)).status == 200
    answer = slack.answers(hook)[0]
    assert "已完成" in payload_text(answer) or "完成" in answer["text"]
    assert not any(word in answer["text"] for word in ("Done", "Marked", "next step"))
    assert slack.customer("阿里巴巴").next_followup_at is None
    with Session(slack.runtime.engine) as session:
        bob = session.exec(select(User).where(User.last_language.is_not(None))).all()
    assert {u.last_language for u in bob} == {"zh"}  # the click did not flip it to English


def test_a_chinese_reps_home_menu_is_in_chinese_and_its_done_answers_in_chinese(slack: SlackRunning) -> None:
    slack.answers(slack.command("新建 阿里巴巴", user=ALICE)[1])
    slack.answers(slack.command("跟进 阿里巴巴 电话沟通 下次:今天 18:00 发报价", user=ALICE)[1])
    slack.event(inbound.app_home_opened_event(ALICE), event_id="EvHOMEZH")
    slack.drain()
    home = slack.fake.home_view(ALICE).payload
    menu = [b for b in home["blocks"] if b.get("accessory", {}).get("type") == "overflow"][0]
    options = menu["accessory"]["options"]
    assert [o["text"]["text"] for o in options] == ["完成", "稍后提醒", "记录跟进", "详情"]
    done = options[0]["value"]
    assert done == "⟦done?customer=1⟧"

    view = {"id": "VHOME", "type": "home", "team_id": "T111"}
    body = inbound.block_actions("crm_home_item", "", ALICE, view=view, action_type="overflow")
    body = body.replace("%22value%22%3A%20%22%22",
                        "%22selected_option%22%3A%20%7B%22value%22%3A%20%22" + _form_quote(done) + "%22%7D")
    assert slack.post(body).status == 200
    slack.drain()
    assert slack.customer("阿里巴巴").next_followup_at is None
    answer = slack.fake.messages("DU111")[-1]
    assert answer.user == "UBOT" and not any(w in answer.text for w in ("Done", "Marked", "next step"))


def test_a_click_naming_an_undeclared_action_or_a_forged_argument_changes_nothing(slack: SlackRunning) -> None:
    slack.answers(slack.command("new Acme Trading")[1])
    slack.answers(slack.command("log Acme called next:tomorrow send the quote")[1])
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    slack.post(inbound.block_actions("crm_done", "⟦done?customer=1&extra=x⟧", ALICE, channel_id=CHANNEL,
                                     response_url=hook))
    answer = slack.answers(hook)[0]
    assert answer["text"].startswith("That button no longer works")
    assert slack.customer("Acme Trading").next_followup_at is not None


def _form_quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
