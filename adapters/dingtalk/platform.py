"""DingTalk as the core sees it: its name and what a robot message can be (no SDK is imported here)."""

from __future__ import annotations

from adapters.platforms import PlatformAdapter
from bot.platforms import Capabilities, Platform, register

DINGTALK = register(Platform(
    name="dingtalk",
    label="DingTalk",
    capabilities=Capabilities(
        # Markdown of about 5000 bytes; 4000 characters leaves room for CJK (the sender splits by bytes).
        max_message_chars=4000,
        blocks=False,
        editable=False,
        buttons=True,  # `dtmd://` quick-action links, in DMs only (a link in a group would not reach the robot)
        threads=False,
        files=False,
        messages_per_minute=20,  # group robots
        max_pages=3,
    ),
))
PLATFORM = DINGTALK.name

ADAPTER = PlatformAdapter(DINGTALK, enabled=lambda settings: settings.dingtalk_enabled,
                          service="adapters.dingtalk.service:DingTalkService", order=20)
