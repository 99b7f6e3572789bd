"""crmbot as a Slack app (slack-bolt): `/crm`, DMs, mentions, cards, modals, App Home and shared cards.

Entry points: `SlackService` (started by `crmbot run` when SLACK_BOT_TOKEN is set) and `SlackSender` (the
core's push port). Layout, one job per module:

- ``app``: WebClient on SLACK_API_URL, adapter assembly, the Bolt `App` factory;
- ``service`` / ``server``: `crmbot run`'s service, HTTP (waitress) or Socket Mode;
- ``listeners/``: thin Bolt listeners; ``adapter``: the operations they share;
- ``incoming``: Slack payloads → `Incoming`; ``answers``: replies → where the asker sees them;
- ``blocks`` / ``mrkdwn``: Block Kit rendering within Slack's limits, with user text neutralised;
- ``modals`` / ``home``: the forms and the Home tab; ``threads``: shared cards and their threads;
- ``sender``: DMs, channel posts, pacing, errors as `DeliveryError`; ``profiles``: `users.info` cache;
- ``dedupe``: Events API redeliveries (background work after the 3-second acknowledgement runs on the
  shared pools of `adapters.workers`);
- ``texts``: the adapter's own phrases (en / zh).
"""

from __future__ import annotations

_EXPORTS = {"SlackSender": "adapters.slack.sender", "SlackService": "adapters.slack.service"}
__all__ = ["SlackSender", "SlackService"]


def __getattr__(name: str) -> object:
    # Lazy, so that `adapters.slack.platform` (read by `crmbot run` to find platforms) loads no SDK.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
