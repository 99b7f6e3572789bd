"""`SlackAdapter`: the parts of the Slack integration wired together, and the operations listeners share.

Listeners (adapters/slack/listeners/) stay thin: they acknowledge, read the payload, and call these.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.answers import Asker, ReplyDelivery, Respond
from adapters.slack.home import home_view, todays_replies
from adapters.slack.incoming import PLATFORM, Profile, is_direct_channel, make_incoming
from adapters.slack.modals import log_followup_view, new_customer_view, quote_value
from adapters.slack.profiles import ProfileCache
from adapters.slack.sender import SlackSender
from adapters.slack.threads import SharedCardThreads
from adapters.workers import Deadline, Jobs, TrackedExecutor
from bot import actions
from bot.commands.parser import split_command
from bot.conversation import agenda_of, user_language
from bot.dispatcher import Bot
from bot.messages import InboundKind, Incoming, Reply
from bot.render import Markdown

log = logging.getLogger("crmbot.slack")

SUBMISSION_DEADLINE_S = 2.0  # leaves a second of Slack's 3 for the network


@dataclass(frozen=True)
class ModalShortcut:
    """A command that is better answered with a form: `new` without a name, `log <customer>` without text."""

    kind: str  # "new" | "log"
    ref: str = ""


@dataclass
class SlackAdapter:
    """Everything listeners need: the core, the Web API, and the adapter's helpers."""

    bot: Bot
    client: WebClient
    sender: SlackSender
    profiles: ProfileCache
    delivery: ReplyDelivery
    threads: SharedCardThreads
    jobs: Jobs
    listener_executor: TrackedExecutor  # Bolt's listener pool (acknowledgements and listener bodies)
    bot_user_id: str
    bot_name: str
    auth: dict[str, Any] = field(default_factory=dict)  # the auth.test answer (team, bot ids)

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.jobs, SUBMISSION_DEADLINE_S)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every listener, job and card update that was started has finished.

        Listeners queue jobs and jobs queue card updates, so the pools are drained in that order until
        all three are idle at once. False when ``timeout`` passed first.
        """
        deadline = time.monotonic() + timeout
        pools = (self.listener_executor, self.jobs.executor, self.threads.jobs.executor)
        while True:
            for pool in pools:
                if not pool.drain(max(deadline - time.monotonic(), 0)):
                    return False
            if not any(pool.busy for pool in pools):
                return True

    def close(self) -> None:
        """Finish queued work (answers, card updates) and stop the worker threads."""
        self.listener_executor.shutdown(wait=True)
        self.jobs.shutdown()
        self.threads.jobs.shutdown()

    # -- people and places ---------------------------------------------------------------------------

    def incoming(
        self, *, team_id: str, channel: str, user_id: str, text: str, message_id: str | None,
        thread: str | None = None, channel_type: str | None = None, kind: str = InboundKind.MESSAGE,
    ) -> Incoming:
        """An `Incoming` with the user's Slack name and zone (looked up once, then cached)."""
        return make_incoming(
            team_id=team_id, channel=channel, user_id=user_id, text=text, message_id=message_id,
            thread=thread, is_direct=is_direct_channel(channel, channel_type),
            profile=self.profiles.profile(team_id, user_id), kind=kind,
        )

    def bot_user_in(self, team_id: str | None) -> str:
        """The bot's user id in a workspace (how people mention it there)."""
        return self.sender.workspaces.bot_user_id(team_id, self.bot_user_id)

    def workspace_removed(self, team_id: str, *, bot: bool, users: list[str] | None) -> None:
        """A workspace uninstalled the app (``users`` None) or revoked tokens: delete them from the installation
        store ("Add to Slack") so nothing speaks to it with a dead token; single-workspace mode only logs it."""
        workspaces = self.sender.workspaces
        if not team_id:
            return
        if workspaces.store is None:
            log.warning("workspace %s removed the app or revoked its tokens", team_id)
            return
        if users is None:
            workspaces.store.delete_all(enterprise_id=None, team_id=team_id)
        else:
            for user in users:
                workspaces.store.delete_installation(enterprise_id=None, team_id=team_id, user_id=user)
            if bot:
                workspaces.store.delete_bot(enterprise_id=None, team_id=team_id)
        workspaces.forget(team_id)
        log.info("workspace %s: %s", team_id, "uninstalled" if users is None else "tokens revoked")

    def profile(self, team_id: str, user_id: str) -> Profile:
        """The user's Slack profile (cached)."""
        return self.profiles.profile(team_id, user_id)

    def dm_incoming(
        self, *, team_id: str, user_id: str, text: str, message_id: str | None, kind: str = InboundKind.MESSAGE,
    ) -> Incoming:
        """An `Incoming` placed in the user's DM with the bot (for clicks that come from no channel)."""
        channel = self.sender.dm_channel(team_id, user_id)
        return self.incoming(team_id=team_id, channel=channel, user_id=user_id, text=text, message_id=message_id,
                             channel_type="im", kind=kind)

    # -- running commands ------------------------------------------------------------------------------

    def run(self, asker: Asker, text: str | None = None) -> list[Reply]:
        """Run a command as the asker and deliver the replies; returns them (empty for a duplicate)."""
        incoming = asker.incoming if text is None else replace(asker.incoming, text=text)
        replies = self.bot.handle(incoming)
        self.delivery.deliver(replace(asker, incoming=incoming), replies)
        return replies

    def run_redrawing(self, asker: Asker, customer_id: int) -> list[Reply]:
        """`run` a click on a card only the clicker sees, answering in place: the click's answer above the
        customer's card as it is now replaces the clicked card (through the click's response_url)."""
        replies = self.bot.handle(asker.incoming)
        details = actions.ActionRef("details", (("customer", str(customer_id)),)).encode()
        cards = [r for r in self.bot.handle(replace(asker.incoming, text=details, message_id=None)) if r.card]
        if not replies or not cards or any(r.card is not None or r.share_customer_id for r in replies):
            self.delivery.deliver(asker, replies)
            return replies
        text = Markdown("\n".join(r.text for r in replies if r.text))
        self.delivery.deliver(replace(asker, replace_original=True),
                              [replace(cards[0], text=text, ok=all(r.ok for r in replies))])
        return replies

    def run_later(self, asker: Asker, text: str | None = None) -> None:
        """`run` in the background (after Slack has been acknowledged)."""
        self.jobs.submit(self.run, asker, text, context={"user": asker.incoming.user_id, "platform": "slack"})

    def modal_shortcut(self, text: str) -> ModalShortcut | None:
        """Whether ``text`` is a command to answer with a form instead (see `ModalShortcut`)."""
        word, rest = split_command(text)
        spec = self.bot.registry.lookup(word) if word else None
        if spec is None:
            return None
        if spec.name == "new" and not rest:
            return ModalShortcut("new")
        if spec.name == "log" and len(rest) == 1 and rest[0].text:
            ref = rest[0].text
            return ModalShortcut("log", ref if not rest[0].quoted and ref.split() == [ref] else quote_value(ref))
        return None

    def open_modal(
        self, shortcut: ModalShortcut, *, trigger_id: str, team_id: str, user_id: str, channel: str | None,
        hint: str = "",
    ) -> None:
        """Open the form for ``shortcut`` (must run within 3 s of the trigger, so before slow work)."""
        lang = user_language(self.bot, PLATFORM, team_id, user_id, hint)
        metadata: dict[str, Any] = {"channel": channel or ""}
        if shortcut.kind == "new":
            view = new_customer_view(lang=lang, metadata=metadata)
        else:
            view = log_followup_view(ref=shortcut.ref, lang=lang, metadata=metadata)
        try:
            self.sender.client_for(team_id).views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, SlackClientError, OSError, LookupError) as exc:
            log.warning("views.open failed for %s: %s", user_id, exc)

    # -- App Home ------------------------------------------------------------------------------------------

    def publish_home(self, team_id: str, user_id: str, channel: str | None = None) -> None:
        """Draw the user's Home tab: their day, from the core's `today`."""
        lang = user_language(self.bot, PLATFORM, team_id, user_id)
        if channel:
            incoming = self.incoming(team_id=team_id, channel=channel, user_id=user_id, text="", message_id=None,
                                     channel_type="im")
        else:
            incoming = self.dm_incoming(team_id=team_id, user_id=user_id, text="", message_id=None)
        view = home_view(todays_replies(self.bot, incoming, lang), agenda_of(self.bot, incoming), lang)
        self.sender.client_for(team_id).views_publish(user_id=user_id, view=view)

    def asker(self, incoming: Incoming, respond: Respond | None = None, thread: str | None = None) -> Asker:
        """Who to answer, and how (see `ReplyDelivery`)."""
        return Asker(incoming=incoming, respond=respond, thread=thread)
