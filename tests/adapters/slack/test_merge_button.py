"""`/crm dupes` on Slack: each likely pair comes with a Merge button, and one click merges it."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Customer
from tests.adapters.slack.conftest import ALICE, CHANNEL, SlackRunning
from tests.emulators import slack_requests as inbound


def test_one_click_on_merge_merges_the_pair(slack: SlackRunning) -> None:
    slack.answers(slack.command("new Acme Trading phone:13800138000")[1])
    slack.answers(slack.command("new Acme Trading Ltd phone:13800138000 force:yes")[1], 2)
    _, hook = slack.command("dupes")
    answers = slack.answers(hook, 3)
    buttons = [e for a in answers for b in a.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]
    merge = next(b for b in buttons if b["value"] == "⟦merge?keep=1&drop=2⟧")
    assert merge["text"]["text"] == "Merge"

    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    assert slack.post(inbound.block_actions(merge["action_id"], merge["value"], ALICE, channel_id=CHANNEL,
                                            response_url=hook)).status == 200
    answer = slack.answers(hook)[-1]
    assert "Merged" in answer["text"] and "unmerge #2" in answer["text"]
    with Session(slack.runtime.engine) as session:
        assert session.get(Customer, 2).merged_into_id == 1
        assert len(session.exec(select(Customer).where(Customer.deleted_at.is_(None))).all()) == 1
