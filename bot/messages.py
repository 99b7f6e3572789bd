"""Platform-neutral message shapes that flow between adapters and the core.

Text in `Reply.text` and in card fields is *core markdown*: ``**bold**``, ``_italic_``, ``- `` lists and
``> `` quotes; user-supplied values inside it are already escaped with `bot.render.escape_md`, so an
adapter converts the few markers to its platform's syntax and must not interpret anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime


class InboundKind:
    """What a user did. Every kind reaches the core the same way, as an `Incoming` given to `Bot.handle`."""

    MESSAGE = "message"  # typed in a DM or a mention
    COMMAND = "command"  # a slash command
    BUTTON = "button"  # a card button or menu: `text` is the click's value (`bot.actions`)
    FORM = "form"  # a submitted form, turned into the command it stands for
    THREAD_REPLY = "thread_reply"  # a reply in a thread (`thread` is its root): logged on a shared card
    SHORTCUT = "shortcut"  # a message shortcut: `text` is the command it runs


@dataclass(frozen=True)
class Incoming:
    """One message or action from a user, translated out of the platform's payload."""

    platform: str  # a registered platform name: "console", "slack", "dingtalk", …
    workspace: str  # Slack team id, DingTalk corp id, "" for the console
    channel: str  # where it was said (DM channel, group, channel id)
    user_id: str  # the platform's user id
    text: str
    message_id: str | None = None  # for dedupe: Slack event/message id, DingTalk msgId
    thread: str | None = None  # thread root if said inside a thread
    user_name: str | None = None  # display name, used when the user is created on first use
    user_timezone: str | None = None  # IANA zone the platform reports, adopted on first use
    # The e-mail address the platform itself reports for the account (Slack users.info), never typed text;
    # config entries ``email:<address>`` match only this.
    user_email: str | None = None
    is_direct: bool = True  # a DM with the bot (private) rather than a group / channel
    at: datetime | None = None
    # Set by platforms that can only push into a group by an id learnt from its messages: the core records
    # the group (its channel id and title) in the command's unit of work.
    remember_group: bool = False
    group_title: str | None = None
    kind: str = InboundKind.MESSAGE
    # A link to the message a shortcut acts on ("Log to customer"): `log` records it with the follow-up.
    source_url: str | None = None


@dataclass(frozen=True)
class CardField:
    """A labelled value on a card; sensitive ones (phone, email, amounts) are hidden when shared."""

    label: str
    value: str
    sensitive: bool = False


@dataclass(frozen=True)
class CardAction:
    """A button. Clicking it sends back `value` (an encoded `bot.actions.ActionRef`, language-neutral), which
    the core runs as the clicking user; `command` is the same command as the person would type it, shown
    where a platform has no buttons. Build one with `bot.actions.button`."""

    action_id: str  # the declared action's id: "log", "done", "snooze", "details", …
    label: str
    command: str
    style: str | None = None  # "primary" | "danger" | None
    value: str = ""  # what a click carries; empty on hand-made cards, whose clicks carry `command`

    @property
    def click_value(self) -> str:
        """What a platform should make a click send back to the core."""
        return self.value or self.command.strip()


@dataclass(frozen=True)
class Card:
    """A customer card (or any record card) rendered natively by each adapter."""

    title: str
    subtitle: str = ""
    fields: tuple[CardField, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()  # (heading, core-markdown body)
    actions: tuple[CardAction, ...] = ()
    footer: str = ""
    customer_id: int | None = None

    def redacted(self) -> Card:
        """The card with sensitive fields removed (for channels and groups)."""
        return replace(self, fields=tuple(f for f in self.fields if not f.sensitive))


@dataclass(frozen=True)
class Reply:
    """What the core answers: markdown text and/or a card, private to the asker or public."""

    text: str = ""
    card: Card | None = None
    private: bool = True
    ok: bool = True  # False for refusals and errors (adapters may style them)
    lang: str = "en"
    # Set by `share`: the adapter posts the card publicly and records it with Bot.record_shared_card.
    share_customer_id: int | None = None
    error_ref: str | None = None
    # A confirmation a platform may show quietly (a reaction, or nothing) instead of as a message.
    quiet: bool = False
    extras: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Where a push goes: a user's DM or a channel, optionally into a thread."""

    platform: str
    workspace: str
    channel: str | None = None  # channel / group / conversation id
    user: str | None = None  # platform user id (DM) when channel is None
    thread: str | None = None

    def key(self) -> str:
        """A stable string naming the target (stored in the outbox `channel` column)."""
        where = self.channel or f"@{self.user}"
        parts = [self.platform, self.workspace, where] + ([self.thread] if self.thread else [])
        return ":".join(parts)


@dataclass(frozen=True)
class SentMessage:
    """A message the bot posted, as the platform identifies it (for updates and threads)."""

    platform: str
    workspace: str
    channel: str
    message_id: str
