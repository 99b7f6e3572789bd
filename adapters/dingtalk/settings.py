"""DingTalk's section of the settings, declared to the config by the adapter (``[dingtalk]`` in crmbot.toml).

The environment variables keep DingTalk's own names: ``DINGTALK_CLIENT_ID``, ``DINGTALK_CLIENT_SECRET``,
``DINGTALK_OPENAPI_ENDPOINT`` (and ``CRM_DINGTALK__<FIELD>``).
"""

from __future__ import annotations

from typing import cast

from pydantic import BaseModel, Field

from config.platform_settings import PlatformSettings, declare
from config.settings import Settings

NAME = "dingtalk"


class DingTalkSettings(BaseModel):
    """What the DingTalk adapter reads."""

    client_id: str | None = None
    client_secret: str | None = None
    openapi_endpoint: str = "https://api.dingtalk.com"
    # Close a stream connection that received no frame (not even a ping) for this long.
    silence_timeout_s: float = Field(300.0, ge=10, le=3600)
    workers: int = Field(8, ge=1, le=64)
    # Robots may send 20 group messages a minute; staying below leaves headroom.
    group_messages_per_minute: int = Field(18, ge=1, le=20)
    # A card template designed in card.dingtalk.com and bound to the app: cards are then interactive card
    # instances whose buttons are redrawn in place; unset, cards are markdown with quick links.
    card_template_id: str | None = Field(None, min_length=1, max_length=200)

    @property
    def enabled(self) -> bool:
        """Whether `crmbot run` starts DingTalk: the app's credentials."""
        return bool(self.client_id and self.client_secret)


def _check(section: DingTalkSettings) -> None:
    if bool(section.client_id) != bool(section.client_secret):
        raise ValueError("DingTalk needs both DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET")


SECTION = declare(PlatformSettings(
    name=NAME,
    model=DingTalkSettings,
    env={"DINGTALK_CLIENT_ID": "client_id", "DINGTALK_CLIENT_SECRET": "client_secret",
         "DINGTALK_OPENAPI_ENDPOINT": "openapi_endpoint"},
    secrets=("client_id", "client_secret"),
    check=lambda section: _check(cast(DingTalkSettings, section)),
    enabled=lambda section: cast(DingTalkSettings, section).enabled,
))


def dingtalk_settings(settings: Settings) -> DingTalkSettings:
    """The DingTalk section of `settings`, typed."""
    return cast(DingTalkSettings, settings.platform(NAME))
