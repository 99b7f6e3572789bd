"""The webhook platform as the core sees it: markdown text, buttons, editable messages."""

from __future__ import annotations

from adapters.platforms import PlatformAdapter
from bot.platforms import Capabilities, Platform, register
from config.settings import Settings

WEBHOOK = register(Platform(
    name="webhook",
    label="Webhook",
    capabilities=Capabilities(max_message_chars=2000, buttons=True, editable=True, max_pages=5),
))
PLATFORM = WEBHOOK.name


def configured(settings: Settings) -> bool:
    """Whether a shared secret is set (every request in either direction is signed with it)."""
    return bool(settings.platforms.get(PLATFORM, {}).get("secret"))


ADAPTER = PlatformAdapter(WEBHOOK, enabled=configured, service="adapters.webhook.service:WebhookService", order=30)
