"""Slack's section of the settings, declared to the config by the adapter (``[slack]`` in crmbot.toml).

The environment variables keep Slack's own names: ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``,
``SLACK_APP_TOKEN``, ``SLACK_API_URL``, ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` (and ``CRM_SLACK__<FIELD>``).
"""

from __future__ import annotations

from typing import cast

from pydantic import BaseModel, Field

from config.platform_settings import PlatformSettings, declare
from config.settings import Settings

NAME = "slack"


class SlackSettings(BaseModel):
    """What the Slack adapter reads."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = "https://slack.com/api/"
    # "Add to Slack": with both set, any workspace can install the app (its own bot token, its own tenant).
    client_id: str | None = None
    client_secret: str | None = None
    scopes: list[str] = Field(default_factory=lambda: [
        "app_mentions:read", "channels:history", "chat:write", "commands", "groups:history", "im:history",
        "im:write", "links:read", "links:write", "reactions:write", "users:read", "users:read.email",
    ])
    # Where Slack sends the installer back (the app's redirect URL); unset: the one configured at Slack.
    redirect_uri: str | None = None

    @property
    def oauth(self) -> bool:
        """Whether "Add to Slack" is configured."""
        return bool(self.client_id and self.client_secret)

    @property
    def enabled(self) -> bool:
        """Whether `crmbot run` starts Slack: a token (or Add to Slack) and a way to receive requests."""
        return bool((self.bot_token or self.oauth) and (self.signing_secret or self.app_token))


def _check(section: SlackSettings) -> None:
    if bool(section.bot_token) != bool(section.signing_secret) and not section.app_token and not section.oauth:
        raise ValueError("Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)")
    if bool(section.client_id) != bool(section.client_secret):
        raise ValueError("Add to Slack needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    if section.oauth and not section.signing_secret:
        raise ValueError("Add to Slack needs SLACK_SIGNING_SECRET (installs and events come over HTTP)")


SECTION = declare(PlatformSettings(
    name=NAME,
    model=SlackSettings,
    env={"SLACK_BOT_TOKEN": "bot_token", "SLACK_SIGNING_SECRET": "signing_secret", "SLACK_APP_TOKEN": "app_token",
         "SLACK_API_URL": "api_url", "SLACK_CLIENT_ID": "client_id", "SLACK_CLIENT_SECRET": "client_secret"},
    secrets=("bot_token", "signing_secret", "app_token", "client_secret"),
    check=lambda section: _check(cast(SlackSettings, section)),
    enabled=lambda section: cast(SlackSettings, section).enabled,
))


def slack_settings(settings: Settings) -> SlackSettings:
    """The Slack section of `settings`, typed."""
    return cast(SlackSettings, settings.platform(NAME))
