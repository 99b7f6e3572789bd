"""Listeners for clicks and forms: card / Home buttons, and the two modals' submissions.

Buttons carry a declared action in their ``value`` (`bot.actions`) and run it as the person who clicked (never as whoever posted
the card), so the core's access rules decide what the click may do. A modal submission is checked inline
(``response_action: errors``) and then run as its command, also as the submitter. Slack gets its answer
within 3 s: a submission that takes longer is acknowledged and finished in the background.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, Respond

from adapters.slack.adapter import SlackAdapter
from adapters.slack.blocks import ACTION_PREFIX
from adapters.slack.incoming import PLATFORM, team_of
from adapters.slack.modals import (
    LOG_CALLBACK,
    NEW_CALLBACK,
    UnquotableValue,
    error_text,
    log_command,
    log_form_errors,
    new_customer_command,
    new_customer_errors,
    read_log_form,
    read_metadata,
    read_new_customer_form,
)
from adapters.slack.texts import say
from bot import actions
from bot.conversation import likely_duplicates, local_today
from bot.messages import InboundKind, Incoming, Reply
from bot.render import Markdown, escape_md, t
from bot.services.customers import Duplicate
from bot.text.identity import normalize_email, normalize_phone


@dataclass
class Submission:
    """What running a submitted form produced: errors to show in the form, or replies to deliver."""

    incoming: Incoming | None = None
    replies: list[Reply] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def duplicates_message(duplicates: list[Duplicate], lang: str) -> str:
    """The error shown under *Name* when the new customer looks like existing ones."""
    matches = []
    for duplicate in duplicates[:5]:
        line: str
        if duplicate.visible:
            line = t("duplicate_seen", lang, customer=duplicate.customer, reason=duplicate.reason)
        else:
            line = say("duplicate_hidden", lang, reason=duplicate.reason)
        matches.append(error_text(line).removeprefix("- ").strip())
    return error_text(say("duplicates_found", lang, matches=Markdown("; ".join(matches))))


def finish_submission(adapter: SlackAdapter, ack: Ack, body: dict[str, Any], run: Callable[[], Submission],
                  error_block: str, lang: str) -> None:
    """Run a submission under the deadline and answer Slack: errors inline, or close the modal."""
    user_id = (body.get("user") or {}).get("id", "")

    def late(outcome: Submission) -> None:
        if outcome.incoming is None:
            return
        replies = outcome.replies or [Reply(text=escape_md(" ".join(outcome.errors.values())), ok=False, lang=lang)]
        adapter.delivery.deliver(adapter.asker(outcome.incoming), replies)

    in_time, outcome = adapter.deadline.run(run, late)
    if not in_time:
        ack()
        return
    failed = [reply for reply in outcome.replies if not reply.ok]
    errors = outcome.errors or ({error_block: error_text(failed[0].text)} if failed else {})
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if outcome.incoming is not None and outcome.replies:
        adapter.jobs.submit(adapter.delivery.deliver, adapter.asker(outcome.incoming), outcome.replies,
                            context={"user": user_id})


def submission_id(view: dict[str, Any], command: str) -> str:
    """The message id of a submitted form (its dedupe key)."""
    return _message_id(view, command)


def _message_id(view: dict[str, Any], command: str) -> str:
    # Resubmitting the same values is a duplicate; a corrected form is a new message.
    digest = hashlib.sha256(command.encode("utf-8")).hexdigest()[:16]
    return f"view:{view.get('id', '')}:{digest}"


def register(app: App, adapter: SlackAdapter) -> None:
    """Attach the click-and-form listeners to ``app``."""

    @app.action(re.compile(f"^{ACTION_PREFIX}"))
    def on_button(ack: Ack, body: dict[str, Any], respond: Respond | None) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        # Buttons carry the click's value in `value`; menus (the Home tab's overflow) in the selected option.
        command = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        team_id, user_id = team_of(body), (body.get("user") or {}).get("id", "")
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        clicked = actions.find(command)
        shortcut = adapter.modal_shortcut(actions.command_text(clicked) if clicked else command)
        if shortcut is not None:
            # A declared action says nothing of the clicker's language; an old button's command text might.
            adapter.open_modal(shortcut, trigger_id=body.get("trigger_id", ""), team_id=team_id, user_id=user_id,
                               channel=channel, hint="" if clicked else command)
            return
        from_home = (body.get("view") or {}).get("type") == "home"
        # A card only the clicker sees (an ephemeral answer, a DM): the click's answer and the card as it is now
        # replace it, instead of leaving a stale card above a new message.
        private_card = bool(body.get("response_url")) and not from_home and (
            container.get("is_ephemeral") or str(channel or "").startswith("D"))
        customer = clicked.arg("customer") if clicked else None
        message_id = f"action:{user_id}:{action.get('action_ts', body.get('trigger_id', ''))}"

        def click() -> None:
            if channel:
                incoming = adapter.incoming(team_id=team_id, channel=channel, user_id=user_id, text=command,
                                            message_id=message_id, kind=InboundKind.BUTTON)
            else:
                incoming = adapter.dm_incoming(team_id=team_id, user_id=user_id, text=command, message_id=message_id,
                                               kind=InboundKind.BUTTON)
            asker = adapter.asker(incoming, respond if body.get("response_url") else None)
            if private_card and customer and customer.isdigit():
                adapter.run_redrawing(asker, int(customer))
            else:
                adapter.run(asker)
            if from_home:
                adapter.publish_home(team_id, user_id)

        adapter.jobs.submit(click, context={"user": user_id, "action": command[:100]})

    def finish(ack: Ack, body: dict[str, Any], run: Callable[[], Submission], error_block: str, lang: str) -> None:
        finish_submission(adapter, ack, body, run, error_block, lang)

    def submitter(body: dict[str, Any], command: str, channel: str, message_id: str) -> Incoming:
        team_id, user_id = team_of(body), (body.get("user") or {}).get("id", "")
        if channel:
            return adapter.incoming(team_id=team_id, channel=channel, user_id=user_id, text=command,
                                    message_id=message_id, kind=InboundKind.FORM)
        return adapter.dm_incoming(team_id=team_id, user_id=user_id, text=command, message_id=message_id,
                                   kind=InboundKind.FORM)

    @app.view(LOG_CALLBACK)
    def on_log_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = read_metadata(view)
        lang = str(metadata.get("lang") or "en")
        form = read_log_form(view)
        today = local_today(adapter.bot, PLATFORM, team_of(body), (body.get("user") or {}).get("id", ""))
        errors = log_form_errors(form, today=today, lang=lang)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            command = log_command(str(metadata.get("ref", "")), form)
        except UnquotableValue:
            ack(response_action="errors", errors={"note": error_text(t("unexpected_words", lang, words="\"「『"))})
            return

        def run() -> Submission:
            incoming = submitter(body, command, str(metadata.get("channel") or ""), _message_id(view, command))
            return Submission(incoming, adapter.bot.handle(incoming))

        finish(ack, body, run, "note", lang)

    @app.view(NEW_CALLBACK)
    def on_new_customer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = read_metadata(view)
        lang = str(metadata.get("lang") or "en")
        form = read_new_customer_form(view)
        errors = new_customer_errors(form, lang=lang)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            command = new_customer_command(form)
        except UnquotableValue:
            ack(response_action="errors", errors={"name": error_text(t("unexpected_words", lang, words="\"「『"))})
            return

        def run() -> Submission:
            incoming = submitter(body, command, str(metadata.get("channel") or ""), _message_id(view, command))
            if not form.force:
                duplicates = likely_duplicates(
                    adapter.bot, incoming, name=form.name,
                    phone=normalize_phone(form.phone) if form.phone else None,
                    email=normalize_email(form.email) if form.email else None,
                )
                if duplicates:
                    return Submission(incoming, errors={"name": duplicates_message(duplicates, lang)})
            return Submission(incoming, adapter.bot.handle(incoming))

        finish(ack, body, run, "name", lang)

    @app.view_closed(re.compile("^crm_"))
    def on_modal_closed(ack: Ack) -> None:
        ack()
