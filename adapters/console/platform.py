"""The terminal chat as the core sees it: plain text, long messages, nothing to click."""

from __future__ import annotations

from adapters.platforms import PlatformAdapter
from bot.platforms import Capabilities, Platform, register

CONSOLE = register(Platform(
    name="console",
    label="terminal",
    labels=(("zh", "终端"),),
    local=True,  # admin tools act as terminal users when a name has no chat account
    capabilities=Capabilities(max_message_chars=20000, editable=True, max_pages=50),
))
PLATFORM = CONSOLE.name

# `crmbot run` opens the terminal chat itself when no other platform is configured.
ADAPTER = PlatformAdapter(CONSOLE, enabled=lambda settings: False, order=90)
