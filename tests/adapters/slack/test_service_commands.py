"""Tickets, segments and campaigns through `/crm` over real HTTP: answered to the asker within Slack's limits."""

from __future__ import annotations

from tests.adapters.slack.conftest import BOB


def test_a_complaint_a_segment_and_a_campaign_over_slack(slack):
    slack.answers(slack.command("new Acme tier:vip region:华东")[1])
    _, hook = slack.command("投诉 Acme 货物破损 优先级:高")
    opened = slack.answers(hook)[0]
    assert opened["response_type"] == "ephemeral" and "开立工单 *T1*" in opened["text"]
    _, hook = slack.command("segment eastvip tier:vip region:华东")
    listing = slack.answers(hook)[0]["text"]
    assert "*1* customer" in listing and "Acme" in listing
    _, hook = slack.command("campaign eastvip call about the new prices")
    assert "Campaign *eastvip*: 1 next step" in slack.answers(hook)[0]["text"]
    _, hook = slack.command("close T1 replaced the goods")
    assert "Closed *T1*" in slack.answers(hook)[0]["text"]
    _, hook = slack.command("tickets", user=BOB)
    assert "None." in slack.answers(hook)[0]["text"]  # Bob sees nobody else's tickets
    assert slack.fake.calls("chat.postMessage") == []
