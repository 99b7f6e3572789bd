"""Helpers shared by the fake-Slack tests: a sample block, a client factory, error capture, a modal view."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.emulators.slack import FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme Corp*"}}


def client_for(fake: FakeSlack, **kwargs: Any) -> WebClient:
    """A real ``WebClient`` (token ``xoxb-test``) pointed at ``fake``; ``kwargs`` go to the constructor."""
    return WebClient(token="xoxb-test", base_url=fake.base_url, timeout=5, **kwargs)


def api_error(call: Any) -> SlackApiError:
    """Run ``call``, assert it raises ``SlackApiError`` and return that error."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


def modal(title: str = "Log follow-up", **extra: Any) -> dict[str, Any]:
    """A minimal modal view with ``title`` and one section block; ``extra`` adds view fields."""
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [SECTION], **extra}
