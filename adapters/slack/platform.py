"""Slack as the core sees it: its name and what a Slack message can be (no SDK is imported here)."""

from __future__ import annotations

from adapters.platforms import PlatformAdapter
from bot.platforms import Capabilities, Platform, register

SLACK = register(Platform(
    name="slack",
    label="Slack",
    capabilities=Capabilities(
        max_message_chars=3000,  # a section block's text
        blocks=True,
        editable=True,
        buttons=True,
        threads=True,
        files=True,
        messages_per_minute=60,  # chat.postMessage: about one a second per channel
        max_pages=4,
    ),
))
PLATFORM = SLACK.name

ADAPTER = PlatformAdapter(SLACK, enabled=lambda settings: settings.slack_enabled,
                          service="adapters.slack.service:SlackService", order=10)
