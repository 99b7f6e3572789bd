"""DingTalk as the core sees it: its name and what a robot message can be (no SDK is imported here)."""

from __future__ import annotations

from adapters.dingtalk.settings import NAME as SETTINGS
from adapters.platforms import PlatformAdapter
from bot.platforms import Capabilities, Platform, register

DINGTALK = register(Platform(
    name="dingtalk",
    label="DingTalk",
    labels=(("zh", "钉钉"),),
    capabilities=Capabilities(
        # Digests and summaries are paged to 4000 characters (readable on a phone); every message is then
        # paged by the core to what DingTalk counts (below).
        max_message_chars=4000,
        # What DingTalk actually counts: the msgParam JSON (title and text) of at most 15,000 bytes; the
        # adapter measures a line by its JSON bytes, and leaves the rest for the title.
        max_message_size=14_500,
        blocks=True,  # the adapter draws a card itself: a markdown block with headings and bold labels
        editable=False,
        buttons=True,  # `dtmd://` quick-action links, in DMs only (a link in a group would not reach the robot)
        threads=False,
        files=False,
        messages_per_minute=20,  # group robots
        max_pages=3,
    ),
))
PLATFORM = DINGTALK.name

ADAPTER = PlatformAdapter(DINGTALK, enabled=lambda settings: settings.platform_enabled(SETTINGS),
                          service="adapters.dingtalk.service:DingTalkService", order=20)
