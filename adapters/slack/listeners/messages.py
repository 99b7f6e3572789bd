"""Listeners for what people type: `/crm`, DMs to the bot, `@bot` mentions, thread replies, the Home tab.

Every listener answers Slack at once (events are acknowledged by Bolt before the listener runs; the slash
command calls ``ack()`` first thing) and hands the work to the adapter's job pool.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from adapters.slack.adapter import SlackAdapter
from adapters.slack.incoming import is_direct_channel, mentions_user, slack_to_text
from bot.messages import InboundKind

log = logging.getLogger("crmbot.slack.listeners")

SLASH_COMMAND = "/crm"
# Message subtypes that are still a person talking; edits, deletions, joins and bot posts are not.
HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
# Subscribed events with nothing to do: Bolt answers unmatched events with 404, which Slack retries.
QUIET_EVENTS = ("member_joined_channel",)
# A workspace removing the app or its tokens: with "Add to Slack" its tokens are deleted (`installations`).
REVOCATION_EVENTS = ("app_uninstalled", "tokens_revoked")


def command_after_mention(text: str, bot_user_id: str) -> str:
    """The command in a mention: what follows ``<@BOT>`` (or what precedes it when nothing follows)."""
    marker_start = text.find(f"<@{bot_user_id}")
    if marker_start == -1:
        return text.strip()
    marker_end = text.find(">", marker_start) + 1
    after = text[marker_end:].strip()
    return after or text[:marker_start].strip()


def register(app: App, adapter: SlackAdapter) -> None:
    """Attach the typing-side listeners to ``app``."""

    @app.command(SLASH_COMMAND)
    def on_slash_command(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id, channel = body.get("team_id", ""), body.get("user_id", ""), body.get("channel_id", "")
        text = slack_to_text(body.get("text"))
        shortcut = adapter.modal_shortcut(text)
        if shortcut is not None:
            adapter.open_modal(shortcut, trigger_id=body.get("trigger_id", ""), team_id=team_id, user_id=user_id,
                               channel=channel, hint=text)
            return

        def work() -> None:
            incoming = adapter.incoming(team_id=team_id, channel=channel, user_id=user_id, text=text,
                                        message_id=f"command:{body.get('trigger_id', '')}", kind=InboundKind.COMMAND)
            adapter.run(adapter.asker(incoming, respond))

        adapter.jobs.submit(work, context={"user": user_id, "command": text[:100]})

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("subtype") not in HUMAN_SUBTYPES or event.get("bot_id") or not event.get("user"):
            return
        team_id = body.get("team_id", "")
        channel, ts, thread_ts = event.get("channel", ""), event.get("ts", ""), event.get("thread_ts")
        raw = event.get("text") or ""
        if is_direct_channel(channel, event.get("channel_type")):
            text = slack_to_text(command_after_mention(raw, adapter.bot_user_in(team_id)))
            if not text:
                return

            def answer_dm() -> None:
                incoming = adapter.incoming(team_id=team_id, channel=channel, user_id=event["user"], text=text,
                                            message_id=f"{channel}:{ts}", thread=thread_ts, channel_type="im")
                adapter.run(adapter.asker(incoming, thread=thread_ts))

            adapter.jobs.submit(answer_dm, context={"user": event["user"], "event": "message.im"})
            return
        if thread_ts and thread_ts != ts and not mentions_user(raw, adapter.bot_user_in(team_id)):
            # A mention in a card's thread is a command (app_mention); anything else may be a follow-up.
            adapter.jobs.submit(
                lambda: adapter.threads.on_thread_reply(
                    team_id=team_id, channel=channel, thread_ts=thread_ts, ts=ts, user_id=event["user"], text=raw,
                    profile=adapter.profile(team_id, event["user"]),
                ),
                context={"user": event["user"], "event": "thread_reply"},
            )

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or not event.get("user"):
            return
        team_id, channel, ts = body.get("team_id", ""), event.get("channel", ""), event.get("ts", "")
        text = slack_to_text(command_after_mention(event.get("text") or "", adapter.bot_user_in(team_id)))
        thread = event.get("thread_ts") or ts

        def answer_mention() -> None:
            incoming = adapter.incoming(team_id=team_id, channel=channel, user_id=event["user"], text=text,
                                        message_id=f"{channel}:{ts}", thread=event.get("thread_ts"))
            adapter.run(adapter.asker(incoming, thread=thread))

        adapter.jobs.submit(answer_mention, context={"user": event["user"], "event": "app_mention"})

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        adapter.jobs.submit(adapter.publish_home, body.get("team_id", ""), event["user"], event.get("channel"),
                            context={"user": event["user"], "event": "app_home_opened"})

    for name in QUIET_EVENTS:
        app.event(name)(_ignore)

    @app.event("app_uninstalled")
    def on_uninstalled(body: dict[str, Any]) -> None:
        adapter.workspace_removed(body.get("team_id", ""), bot=True, users=None)

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict[str, Any], body: dict[str, Any]) -> None:
        tokens = event.get("tokens") or {}
        adapter.workspace_removed(body.get("team_id", ""), bot=bool(tokens.get("bot")),
                                  users=list(tokens.get("oauth") or []))


def _ignore(body: dict[str, Any]) -> None:
    """Acknowledge a subscribed event we have nothing to do for (unmatched events would be retried)."""
    log.debug("ignored %s", (body.get("event") or {}).get("type"))
