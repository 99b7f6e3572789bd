"""Slack as the core sees it: its name and what a Slack message can be (no SDK is imported here).

The limits are Slack's own (Block Kit): a message whose blocks carry more than 12,000 characters of text
is refused (``msg_blocks_too_long``), as is one with more than 50 blocks or a section over 3,000
characters (``invalid_blocks``); a modal's title is at most 24 characters, an input's label 2,000, a
picker option's text 75. The core pages and shortens replies to them (`bot.delivery.fit`).
"""

from __future__ import annotations

from adapters.platforms import PlatformAdapter
from adapters.slack.settings import NAME as SETTINGS
from bot.platforms import Capabilities, Platform, register

SLACK = register(Platform(
    name="slack",
    label="Slack",
    capabilities=Capabilities(
        max_message_chars=12_000,  # the text of all of a message's blocks together
        blocks=True,
        editable=True,
        buttons=True,
        threads=True,
        files=True,
        messages_per_minute=60,  # chat.postMessage: about one a second per channel
        max_pages=4,
        max_block_chars=3000,  # a section block's text
        max_blocks=50,
        max_title_chars=24,  # modal title, submit and close
        max_label_chars=2000,  # input label and hint
        max_option_chars=75,  # option text, button text
        max_options=100,
    ),
))
PLATFORM = SLACK.name

ADAPTER = PlatformAdapter(SLACK, enabled=lambda settings: settings.platform_enabled(SETTINGS),
                          service="adapters.slack.service:SlackService", order=10)
