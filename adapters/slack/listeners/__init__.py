"""Bolt listeners: `messages` (what people type) and `interactive` (what they click and submit)."""

from __future__ import annotations

from slack_bolt import App

from adapters.slack.adapter import SlackAdapter
from adapters.slack.listeners import interactive, messages


def register_all(app: App, adapter: SlackAdapter) -> None:
    """Attach every listener crmbot needs to ``app``."""
    messages.register(app, adapter)
    interactive.register(app, adapter)
