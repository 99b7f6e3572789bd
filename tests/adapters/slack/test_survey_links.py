"""A survey link from `/crm survey` opens on the Slack server itself (one HTTP server for events and pages)."""

from __future__ import annotations

import re

import requests

from tests.adapters.slack.conftest import payload_text


def test_a_slash_command_survey_link_is_served_by_the_slack_http_server(slack):
    slack.answers(slack.command("new Acme")[1])
    _, hook = slack.command("survey Acme")
    text = payload_text(slack.answers(hook, 2)[0])  # the second response_url post of the test
    match = re.search(r"/s/([0-9]+\.[0-9a-z]+\.[0-9a-f]{32})", text)
    assert match, text
    page = requests.get(f"{slack.service.url}/s/{match[1]}", timeout=5)
    assert page.status_code == 200 and "Acme" in page.text and 'name="score"' in page.text
    assert requests.get(f"{slack.service.url}/s/{match[1][:-1]}x", timeout=5).status_code == 404
    assert requests.get(f"{slack.service.url}/healthz", timeout=5).status_code == 200
