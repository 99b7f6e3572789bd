"""Who a Slack user is: the member id and the address `users.info` reports, never the display name."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import User, UserIdentity
from tests.adapters.slack.conftest import SECRET
from tests.emulators.slack import DEFAULT_TOKEN, FakeSlack

MALLORY, ANN = "U666", "U777"


@pytest.fixture
def config_overrides(fake_slack: FakeSlack) -> dict[str, Any]:
    return {
        "slack_bot_token": DEFAULT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": fake_slack.base_url,
        "http_port": 0,
        "roles": {"admins": ["root", "email:ann@example.com"]},
        "teams": [{"name": "East", "managers": ["mia"], "members": ["alice"]}],
        "defaults": {"language": "en", "timezone": "Asia/Shanghai"},
    }


def test_a_display_name_equal_to_a_config_admin_gains_nothing(slack):
    slack.fake.add_user(MALLORY, real_name="root", display_name="root", tz="UTC")
    slack.answers(slack.command("new Acme")[1])  # Alice's customer
    for text in ("report", "handover U111 U666", "assign Acme U666", "export"):
        _, hook = slack.command(text, user=MALLORY)
        answer = slack.answers(hook)[0]["text"]
        assert "now belongs" not in answer and "Handed over" not in answer, (text, answer)
    with Session(slack.runtime.engine) as session:
        mallory = session.exec(select(User).join(UserIdentity, UserIdentity.user_id == User.id)
                               .where(UserIdentity.external_id == MALLORY)).one()
        console_root = session.exec(select(User).where(User.tenant == "console", User.name == "root")).one()
    assert (mallory.display_name, mallory.role, mallory.team_id) == ("root", "rep", None)
    assert console_root.role == "admin"  # the terminal login the config means, created at start
    assert slack.customer("Acme").owner_id != mallory.id


def test_the_verified_profile_email_matches_an_email_entry(slack):
    slack.fake.add_user(ANN, real_name="Ann Lee", tz="UTC", email="Ann@Example.com")
    _, hook = slack.command("report", user=ANN)
    assert not slack.answers(hook)[0]["text"].startswith("Only managers")
    with Session(slack.runtime.engine) as session:
        identity = session.exec(select(UserIdentity).where(UserIdentity.external_id == ANN)).one()
        ann = session.get(User, identity.user_id)
    assert (identity.email, ann.role) == ("ann@example.com", "admin")
