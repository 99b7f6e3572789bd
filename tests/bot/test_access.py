"""Nobody sees or touches a customer they shouldn't."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from storage.models import Customer


def test_a_second_rep_cannot_see_or_touch_the_first_reps_customer(chat, engine):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme phone:13800138000")
    assert "No customer matches" in bob.say("show Acme")
    assert "No customer matches" in bob.say("show #1")
    assert "Nothing found" in bob.say("find 13800138000")
    assert "No customer matches" in bob.say("edit Acme tier:vip")
    assert "No customer matches" in bob.say("delete #1")
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
    assert customer.tier == "normal" and customer.deleted_at is None


def test_not_found_and_not_allowed_look_identical(chat):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme")
    hidden = bob.say("show #1")
    missing = bob.say("show #999")
    assert hidden.replace("#1", "#N") == missing.replace("#999", "#N")


class TestTeams:
    @pytest.fixture
    def config_overrides(self):
        return {
            "roles": {"admins": ["root"]},
            "teams": [
                {"name": "East", "managers": ["mia"], "members": ["alice", "bob"], "shares_customers": True},
                {"name": "West", "managers": ["wes"], "members": ["carl", "dora"]},
            ],
        }

    def test_sharing_team_members_see_each_other_and_managers_see_their_teams(self, chat):
        alice, bob, carl = chat.user("alice"), chat.user("bob"), chat.user("carl")
        mia, wes, root = chat.user("mia"), chat.user("wes"), chat.user("root")
        alice.say("new Acme")
        carl.say("new Westwind")
        assert "Acme" in bob.say("show Acme")  # East shares
        assert "No customer matches" in carl.say("show Acme")
        assert "Acme" in mia.say("show Acme")  # manager of East
        assert "No customer matches" in mia.say("show Westwind")
        assert "Westwind" in wes.say("show Westwind")
        assert "No customer matches" in chat.user("dora").say("show Westwind")  # West does not share
        assert "Acme" in root.say("show Acme") and "Westwind" in root.say("show Westwind")


def test_workspaces_never_see_each_other(chat):
    alice_slack = chat.user("alice", platform="slack", workspace="T1")
    eve_slack = chat.user("eve", platform="slack", workspace="T2")
    alice_slack.say("new Acme")
    assert "No customer matches" in eve_slack.say("show Acme")


class TestWhoSeesWhatIsReadWithTheUser:
    """The team's sharing and a manager's teams are read by the statement that reads the user (on every
    command, with or without a platform message id): each person gets their own team's answer."""

    @pytest.fixture
    def config_overrides(self):
        return {"teams": [
            {"name": "East", "managers": ["mia"], "members": ["alice", "bob"], "shares_customers": True},
            {"name": "West", "managers": ["wes"], "members": ["carl", "dora"]},
        ]}

    @pytest.mark.parametrize("with_message_ids", [False, True])
    def test_sharing_follows_each_persons_own_team(self, chat, with_message_ids):
        ids = iter(range(1000))

        def say(who: str, line: str) -> str:
            message_id = f"m{next(ids)}" if with_message_ids else None
            return chat.user(who).say(line, message_id=message_id)

        for who in ("alice", "bob", "carl", "dora", "mia", "wes"):
            say(who, "help")  # everyone is known: what they see is read with their user from now on
        say("alice", "new Acme Trading")  # East shares: bob sees it
        say("carl", "new Westwind Ltd")  # West does not: dora does not, wes (its manager) does
        assert "Acme Trading" in say("bob", "show Acme Trading")
        assert "No customer matches" in say("dora", "show Westwind Ltd")
        assert "Westwind Ltd" in say("wes", "show Westwind Ltd")
        assert "No customer matches" in say("wes", "show Acme Trading")
        assert "Acme Trading" in say("mia", "show Acme Trading")
        assert "No customer matches" in say("carl", "show Acme Trading")
