"""Messages in the fake workspace: posting, threads, edits, reactions, history, permalinks, unfurls.

Method handlers: ``chat.postMessage``, ``chat.update``, ``chat.delete``, ``chat.postEphemeral``,
``chat.getPermalink``, ``chat.unfurl``, ``reactions.add``, ``reactions.remove``,
``conversations.history``, ``conversations.replies``.

Rules worth knowing when a test fails here:
- ``ts`` values are strictly increasing (``<seconds>.<microseconds>`` of the fake's clock, bumped by
  1 µs on collision), so ordering by ts is ordering by post time.
- ``thread_ts`` must be the ts of a top-level message in that channel; a reply's ts or an unknown ts is
  answered ``thread_not_found`` (stricter than Slack, to catch "replied to the reply" bugs).
- ``chat.update``/``chat.delete`` only touch messages the bot posted (``cant_update_message`` /
  ``cant_delete_message`` otherwise); omitted ``blocks``/``text`` keep their previous value, as in Slack.
- ``metadata`` is only returned by history/replies when ``include_all_metadata`` is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.emulators.slack_blocks import (
    TRUNCATION_NOTICE,
    message_too_long,
    truncate_message_text,
    validate_message_blocks,
)
from tests.emulators.slack_directory import Directory
from tests.emulators.slack_model import ApiCall, ApiError, Clock, MethodHandler, SlackChannel, StoredMessage

MISSING_FALLBACK_TEXT = "missing_fallback_text"
MESSAGE_TRUNCATED = "message_truncated"


@dataclass(frozen=True)
class MessageContent:
    """Validated ``text``/``blocks`` of an outgoing message."""

    text: str
    blocks: list[dict[str, Any]] | None
    truncated: bool


@dataclass(frozen=True)
class EphemeralMessage:
    """A `chat.postEphemeral` (or ephemeral response_url) message only ``user`` can see."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None


def read_message_content(call: ApiCall, *, require_content: bool = True) -> MessageContent:
    """Validate ``text``/``blocks`` like Slack: ``invalid_blocks``, ``msg_blocks_too_long`` (more than 12,000
    characters of block text), ``no_text``, 40k truncation.

    Missing fallback ``text`` next to ``blocks`` is not an error in Slack (notifications just show
    nothing useful), so it is recorded as the ``missing_fallback_text`` warning on the call.
    """
    blocks = call.json_value("blocks", error="invalid_blocks")
    if blocks is not None:
        errors = validate_message_blocks(blocks)
        if errors:
            raise ApiError("invalid_blocks", errors=errors)
        if message_too_long(blocks):
            raise ApiError("msg_blocks_too_long")
    text = call.text("text") or call.text("markdown_text") or ""
    if require_content and not text and not blocks and not call.params.get("attachments"):
        raise ApiError("no_text")
    if blocks and not text:
        call.warnings.append(MISSING_FALLBACK_TEXT)
    text, truncated = truncate_message_text(text)
    if truncated:
        call.warnings.append(MESSAGE_TRUNCATED)
    return MessageContent(text=text, blocks=blocks, truncated=truncated)


def with_truncation_warning(body: dict[str, Any], content: MessageContent) -> dict[str, Any]:
    """Add Slack's ``message_truncated`` warning fields to a success body when text was cut."""
    if content.truncated:
        body["warning"] = MESSAGE_TRUNCATED
        body["response_metadata"] = {"warnings": [MESSAGE_TRUNCATED], "messages": [TRUNCATION_NOTICE]}
    return body


def _ts_value(ts: str | None, error: str) -> Decimal | None:
    try:
        return Decimal(ts) if ts else None
    except InvalidOperation:
        raise ApiError(error) from None


class MessageStore:
    """Per-channel message lists (top-level and replies together, in ts order)."""

    def __init__(self, directory: Directory, clock: Clock) -> None:
        self._directory = directory
        self._clock = clock
        self._by_channel: dict[str, list[StoredMessage]] = {}
        self._last_micros = 0
        self.ephemerals: list[EphemeralMessage] = []
        self.unfurls: list[dict[str, Any]] = []

    # ----- building blocks shared with response_url hooks and scheduled delivery ---------------------------

    def next_ts(self) -> str:
        """A fresh, strictly increasing message ts."""
        micros = max(self._last_micros + 1, int(self._clock() * 1_000_000))
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def find(self, channel_id: str, ts: str | None) -> StoredMessage | None:
        """The message with this ts in the channel (top-level or reply)."""
        return next((m for m in self._by_channel.get(channel_id, []) if m.ts == ts), None)

    def in_channel(self, channel_id: str) -> list[StoredMessage]:
        """All messages of a channel, oldest first (replies included)."""
        return list(self._by_channel.get(channel_id, []))

    def store(
        self,
        channel: SlackChannel,
        *,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        reply_broadcast: bool = False,
    ) -> StoredMessage:
        """Append a message (by the bot when ``user`` is the bot user) after checking ``thread_ts``."""
        if thread_ts is not None:
            parent = self.find(channel.id, thread_ts)
            if parent is None or parent.is_reply:
                raise ApiError("thread_not_found")
            parent.thread_ts = parent.ts
        ident = self._directory.identity
        by_bot = user == ident.user_id
        message = StoredMessage(
            channel=channel.id,
            ts=self.next_ts(),
            user=user,
            text=text,
            blocks=list(blocks or []),
            bot_id=ident.bot_id if by_bot else None,
            app_id=ident.app_id if by_bot else None,
            thread_ts=thread_ts,
            metadata=metadata,
            reply_broadcast=reply_broadcast and thread_ts is not None,
        )
        self._by_channel.setdefault(channel.id, []).append(message)
        return message

    def replace_content(self, message: StoredMessage, content: MessageContent, *, keep_text: bool) -> None:
        """Apply an edit, remembering the previous version (chat.update, replace_original)."""
        message.previous_versions.append({"text": message.text, "blocks": message.blocks})
        if content.text or not keep_text:
            message.text = content.text
        if content.blocks is not None:
            message.blocks = list(content.blocks)

    def remove(self, message: StoredMessage) -> None:
        """Delete a message from its channel."""
        self._by_channel[message.channel].remove(message)

    def _bot_message(self, call: ApiCall, ts_param: str, not_yours: str) -> StoredMessage:
        channel = self._directory.resolve_channel(call.text("channel"))
        message = self.find(channel.id, call.required(ts_param, error="message_not_found"))
        if message is None:
            raise ApiError("message_not_found")
        if message.user != self._directory.identity.user_id:
            raise ApiError(not_yours)
        return message

    # ----- Web API methods ------------------------------------------------------------------------------

    def methods(self) -> dict[str, MethodHandler]:
        """Method name → handler for the methods this store answers."""
        return {
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "chat.unfurl": self.chat_unfurl,
            "reactions.add": self.reactions_add,
            "reactions.remove": self.reactions_remove,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
        }

    def chat_post_message(self, call: ApiCall) -> dict[str, Any]:
        """Store a bot message; returns ``channel`` (``D…`` for a user id), ``ts`` and ``message``."""
        channel = self._directory.resolve_channel(call.text("channel"))
        self._directory.require_bot_can_post(channel)
        content = read_message_content(call)
        metadata = call.json_value("metadata", error="invalid_metadata_format")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and metadata.get("event_type")
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise ApiError("invalid_metadata_format")
        message = self.store(
            channel,
            user=self._directory.identity.user_id,
            text=content.text,
            blocks=content.blocks,
            thread_ts=call.text("thread_ts") or None,
            metadata=metadata,
            reply_broadcast=call.flag("reply_broadcast"),
        )
        body = {"channel": channel.id, "ts": message.ts, "message": message.to_api()}
        return with_truncation_warning(body, content)

    def chat_update(self, call: ApiCall) -> dict[str, Any]:
        """Edit a bot message in place (``message_not_found`` / ``cant_update_message``)."""
        message = self._bot_message(call, "ts", "cant_update_message")
        content = read_message_content(call)
        self.replace_content(message, content, keep_text=True)
        body = {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(),
        }
        return with_truncation_warning(body, content)

    def chat_delete(self, call: ApiCall) -> dict[str, Any]:
        """Delete a bot message (``message_not_found`` / ``cant_delete_message``)."""
        message = self._bot_message(call, "ts", "cant_delete_message")
        self.remove(message)
        return {"channel": message.channel, "ts": message.ts}

    def chat_post_ephemeral(self, call: ApiCall) -> dict[str, Any]:
        """Record a message only ``user`` sees; returns ``message_ts``."""
        channel = self._directory.resolve_channel(call.text("channel"))
        self._directory.require_bot_can_post(channel)
        user = self._directory.require_user(call.text("user"))
        content = read_message_content(call)
        ts = self.next_ts()
        self.ephemerals.append(
            EphemeralMessage(
                channel.id, user.id, ts, content.text, list(content.blocks or []), call.text("thread_ts")
            )
        )
        return with_truncation_warning({"message_ts": ts}, content)

    def chat_get_permalink(self, call: ApiCall) -> dict[str, Any]:
        """``https://<team>.slack.com/archives/<channel>/p<ts digits>`` (+ thread query for replies)."""
        channel = self._directory.resolve_channel(call.text("channel"))
        message = self.find(channel.id, call.text("message_ts"))
        if message is None:
            raise ApiError("message_not_found")
        link = f"{self._directory.identity.workspace_url}archives/{channel.id}/p{message.ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    def chat_unfurl(self, call: ApiCall) -> dict[str, Any]:
        """Record unfurls (``channel``+``ts`` or ``unfurl_id``+``source``), validating their blocks."""
        unfurls = call.json_value("unfurls", error="invalid_unfurls_format")
        if not isinstance(unfurls, dict) or not unfurls:
            raise ApiError("invalid_unfurls_format")
        if not (call.text("channel") and call.text("ts")) and not (
            call.text("unfurl_id") and call.text("source")
        ):
            raise ApiError("invalid_arguments", detail="need channel+ts or unfurl_id+source")
        for url, unfurl in unfurls.items():
            blocks = unfurl.get("blocks") if isinstance(unfurl, dict) else None
            if message_too_long(blocks):
                raise ApiError("msg_blocks_too_long", detail=url)
            errors = validate_message_blocks(blocks)
            if errors:
                raise ApiError("invalid_blocks", errors=[f"{url}: {e}" for e in errors])
        self.unfurls.append(
            {key: call.params.get(key) for key in ("channel", "ts", "unfurl_id", "source")}
            | {"unfurls": unfurls}
        )
        return {}

    def _reaction_target(self, call: ApiCall) -> tuple[StoredMessage, str]:
        channel = self._directory.resolve_channel(call.text("channel"))
        name = call.required("name", error="invalid_name")
        if ":" in name or " " in name:
            raise ApiError("invalid_name")
        message = self.find(channel.id, call.text("timestamp"))
        if message is None:
            raise ApiError("message_not_found")
        return message, name

    def reactions_add(self, call: ApiCall) -> dict[str, Any]:
        """Add the bot's reaction (``already_reacted`` when it already has this one)."""
        message, name = self._reaction_target(call)
        users = message.reactions.setdefault(name, [])
        if self._directory.identity.user_id in users:
            raise ApiError("already_reacted")
        users.append(self._directory.identity.user_id)
        return {}

    def reactions_remove(self, call: ApiCall) -> dict[str, Any]:
        """Remove the bot's reaction (``no_reaction`` when it has none)."""
        message, name = self._reaction_target(call)
        users = message.reactions.get(name, [])
        if self._directory.identity.user_id not in users:
            raise ApiError("no_reaction")
        users.remove(self._directory.identity.user_id)
        if not users:
            del message.reactions[name]
        return {}

    def _readable_channel(self, call: ApiCall) -> SlackChannel:
        channel = self._directory.resolve_channel(call.text("channel"))
        if not channel.is_im and not channel.bot_is_member:
            raise ApiError("not_in_channel")
        return channel

    def _render(self, message: StoredMessage, call: ApiCall) -> dict[str, Any]:
        body = message.to_api(include_metadata=call.flag("include_all_metadata"))
        replies = [m for m in self._by_channel[message.channel] if m.is_reply and m.thread_ts == message.ts]
        if replies:
            body.update(
                reply_count=len(replies),
                reply_users=sorted({m.user for m in replies}),
                latest_reply=replies[-1].ts,
            )
        return body

    def conversations_history(self, call: ApiCall) -> dict[str, Any]:
        """Top-level messages (and broadcast replies) newest first; ``oldest``/``latest``/``inclusive``/
        ``limit``/``cursor`` as in Slack."""
        channel = self._readable_channel(call)
        oldest = _ts_value(call.text("oldest"), "invalid_ts_oldest")
        latest = _ts_value(call.text("latest"), "invalid_ts_latest")
        inclusive = call.flag("inclusive")

        def in_range(ts: Decimal) -> bool:
            above = oldest is None or ts > oldest or (inclusive and ts == oldest)
            below = latest is None or ts < latest or (inclusive and ts == latest)
            return above and below

        top_level = [
            m for m in reversed(self._by_channel.get(channel.id, [])) if not m.is_reply or m.reply_broadcast
        ]
        selected = [m for m in top_level if in_range(Decimal(m.ts))]
        return self._page(selected, call, "messages")

    def conversations_replies(self, call: ApiCall) -> dict[str, Any]:
        """A thread oldest first: the parent, then its replies (``thread_not_found`` if no such parent)."""
        channel = self._readable_channel(call)
        parent = self.find(channel.id, call.text("ts"))
        if parent is None or parent.is_reply:
            raise ApiError("thread_not_found")
        thread = [parent] + [
            m for m in self._by_channel[channel.id] if m.is_reply and m.thread_ts == parent.ts
        ]
        return self._page(thread, call, "messages")

    def _page(self, items: list[StoredMessage], call: ApiCall, key: str) -> dict[str, Any]:
        limit = max(1, min(call.integer("limit", 100), 999))
        start = call.integer("cursor", 0, error="invalid_cursor")
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            key: [self._render(m, call) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }
