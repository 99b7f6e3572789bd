"""Bolt listeners: `messages` (what people type), `interactive` (what they click and submit), `shortcuts`
(the "Log to customer" message shortcut and link unfurls)."""

from __future__ import annotations

from slack_bolt import App

from adapters.slack.adapter import SlackAdapter
from adapters.slack.listeners import interactive, messages, shortcuts


def register_all(app: App, adapter: SlackAdapter) -> None:
    """Attach every listener crmbot needs to ``app``."""
    messages.register(app, adapter)
    interactive.register(app, adapter)
    shortcuts.register(app, adapter)
