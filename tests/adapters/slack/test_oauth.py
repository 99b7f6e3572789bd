""""Add to Slack": a second workspace installs the app through bolt-python's OAuth flow and is served with its
own bot token, as its own tenant; uninstalling removes its token; the configured workspace keeps working."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from urllib.request import ProxyHandler, Request, build_opener

import pytest

from tests.adapters.slack.conftest import ALICE, CHANNEL, SlackRunning
from tests.emulators import slack_requests as inbound
from tests.emulators.slack import DEFAULT_TOKEN, FakeSlack

pytest.importorskip("greenlet")  # slack_sdk's SQLAlchemy stores need it (a declared dependency)

DANA = "U444"  # an admin of the second workspace
SECOND = "T222"


@pytest.fixture
def config_overrides(config_overrides: dict[str, Any], fake_slack: FakeSlack) -> dict[str, Any]:
    return {**config_overrides, "slack_client_id": fake_slack.oauth.client_id,
            "slack_client_secret": fake_slack.oauth.client_secret}


def install(slack: SlackRunning, team: str = SECOND, name: str = "second-co", installer: str = DANA) -> str:
    """Play the installer's browser: the install page, Slack's consent, the redirect back; returns the token."""
    browser = build_opener(ProxyHandler({}))
    with browser.open(f"{slack.service.url}/slack/install", timeout=5) as page:
        html = page.read().decode()
        # Bolt's state cookie is `Secure`; a browser sends it back over HTTPS, the test does so by hand.
        cookie = page.headers["Set-Cookie"].split(";")[0]
    authorize = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html)
    assert authorize is not None, html
    query = parse_qs(urlparse(authorize.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [slack.fake.oauth.client_id] and "commands" in query["scope"][0]
    code = slack.fake.oauth.approve(team, name, installer=installer)
    back = urlencode({"code": code, "state": query["state"][0]})
    request = Request(f"{slack.service.url}/slack/oauth_redirect?{back}", headers={"Cookie": cookie})
    with browser.open(request, timeout=5) as done:
        assert done.status == 200
    [token] = [t for t, w in slack.fake.oauth.tokens.items() if w.team_id == team]
    return token


def test_a_second_workspace_installs_and_is_served_with_its_own_token_as_its_own_tenant(slack):
    slack.fake.add_user(DANA, real_name="Dana Park", tz="Asia/Tokyo")
    token = install(slack)
    assert token != DEFAULT_TOKEN and token.startswith("xoxb-T222-")

    slack.answers(slack.command("new Acme Trading")[1])  # the configured workspace (T111) still works
    hook = slack.fake.hooks_url(channel="C222", user_id=DANA)
    first = len(slack.fake.calls())
    slack.post(inbound.slash_command("new Beta Foods", user_id=DANA, team_id=SECOND, channel_id="C222",
                                     response_url=hook))
    assert "Beta Foods" in slack.answers(hook)[0]["text"]
    assert slack.customer("Beta Foods").tenant == "slack:T222"  # its own tenant (no `tenants` entry maps it)
    calls = slack.fake.calls()[first:]
    api = [c for c in calls if c.method != "response_url"]
    assert api and {c.token for c in api} == {token}  # auth.test, users.info: all with the workspace's token

    hook = slack.fake.hooks_url(channel="C222", user_id=DANA)
    slack.post(inbound.slash_command("find acme", user_id=DANA, team_id=SECOND, channel_id="C222", response_url=hook))
    assert slack.answers(hook)[0]["text"] == 'Nothing found for "acme".'  # its own tenant

    slack.post(inbound.slash_command("share Beta", user_id=DANA, team_id=SECOND, channel_id="C222",
                                     response_url=slack.fake.hooks_url(channel="C222", user_id=DANA)))
    slack.fake.wait_for("chat.postMessage", 1)
    slack.drain()
    [post] = [c for c in slack.fake.calls("chat.postMessage") if c.params.get("channel") == "C222"]
    assert post.token == token and post.response["ok"]


def test_uninstalling_removes_the_workspaces_token_and_the_configured_one_keeps_working(slack):
    slack.fake.add_user(DANA, real_name="Dana Park", tz="Asia/Tokyo")
    token = install(slack)
    assert slack.event({"type": "app_uninstalled"}, team_id=SECOND).status == 200
    slack.drain()
    slack.fake.oauth.revoke(token)
    hook = slack.fake.hooks_url(channel="C222", user_id=DANA)
    before = len(slack.fake.calls())
    result = slack.post(inbound.slash_command("find beta", user_id=DANA, team_id=SECOND, channel_id="C222",
                                              response_url=hook))
    assert result.status == 200
    slack.drain()
    assert all(c.token != token for c in slack.fake.calls()[before:])  # nobody speaks with the dead token
    with slack.runtime.engine.connect() as connection:
        from sqlalchemy import text

        bots = connection.execute(text("SELECT team_id FROM slack_bots")).scalars().all()
    assert SECOND not in bots and "T111" in bots

    slack.answers(slack.command("new Acme Trading", channel=CHANNEL, user=ALICE)[1])  # T111 unaffected
