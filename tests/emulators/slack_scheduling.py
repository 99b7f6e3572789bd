"""``chat.scheduleMessage`` and friends, with the limits Slack documents for them.

Rules (docs.slack.dev/reference/methods/chat.scheduleMessage):
- ``post_at`` in the past → ``time_in_past``; more than 120 days ahead → ``time_too_far``;
  not a number → ``invalid_time``.
- At most 30 messages per channel whose ``post_at`` falls inside any 5-minute window →
  ``restricted_too_many`` for the 31st.
- Nothing posts by itself: a test moves the fake's clock and calls `ScheduledMessages.deliver_due`.
  Messages scheduled *with* ``metadata`` are dropped at delivery, reproducing Slack's documented bug
  ("messages with metadata silently never post"); they are kept in `ScheduledMessages.dropped`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.slack_directory import Directory
from tests.emulators.slack_messages import MessageStore, read_message_content, with_truncation_warning
from tests.emulators.slack_model import ApiCall, ApiError, Clock, MethodHandler, StoredMessage

MAX_SCHEDULE_AHEAD_S = 120 * 24 * 3600
BURST_WINDOW_S = 300
MAX_PER_BURST_WINDOW = 30


@dataclass
class ScheduledMessage:
    """A pending `chat.scheduleMessage` (content frozen at scheduling time, as in Slack)."""

    id: str
    channel: str
    post_at: int
    date_created: int
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        """Entry shape of `chat.scheduledMessages.list`."""
        return {
            "id": self.id,
            "channel_id": self.channel,
            "post_at": self.post_at,
            "date_created": self.date_created,
            "text": self.text,
        }


class ScheduledMessages:
    """Pending scheduled messages per channel and their delivery."""

    def __init__(self, directory: Directory, messages: MessageStore, clock: Clock) -> None:
        self._directory = directory
        self._messages = messages
        self._clock = clock
        self._counter = 0
        self.pending: dict[str, ScheduledMessage] = {}
        self.dropped: list[ScheduledMessage] = []

    def methods(self) -> dict[str, MethodHandler]:
        """Method name → handler for the methods this store answers."""
        return {
            "chat.scheduleMessage": self.schedule_message,
            "chat.scheduledMessages.list": self.list_scheduled,
            "chat.deleteScheduledMessage": self.delete_scheduled,
        }

    def schedule_message(self, call: ApiCall) -> dict[str, Any]:
        """Queue a message for ``post_at`` after the time and burst checks."""
        channel = self._directory.resolve_channel(call.text("channel"))
        self._directory.require_bot_can_post(channel)
        if call.params.get("post_at") in (None, ""):
            raise ApiError("invalid_time")
        post_at = call.integer("post_at", 0, error="invalid_time")
        now = self._clock()
        if post_at < now:
            raise ApiError("time_in_past")
        if post_at > now + MAX_SCHEDULE_AHEAD_S:
            raise ApiError("time_too_far")
        if self._burst_size(channel.id, post_at) > MAX_PER_BURST_WINDOW:
            raise ApiError("restricted_too_many")
        content = read_message_content(call)
        thread_ts = call.text("thread_ts") or None
        if thread_ts is not None:
            parent = self._messages.find(channel.id, thread_ts)
            if parent is None or parent.is_reply:
                raise ApiError("thread_not_found")
        metadata = call.json_value("metadata", error="invalid_metadata_format")
        self._counter += 1
        scheduled = ScheduledMessage(
            id=f"Q{self._counter:08d}",
            channel=channel.id,
            post_at=post_at,
            date_created=int(now),
            text=content.text,
            blocks=list(content.blocks or []),
            thread_ts=thread_ts,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        self.pending[scheduled.id] = scheduled
        ident = self._directory.identity
        body = {
            "channel": channel.id,
            "scheduled_message_id": scheduled.id,
            "post_at": post_at,
            "message": {
                "type": "message",
                "text": scheduled.text,
                "user": ident.user_id,
                "bot_id": ident.bot_id,
            },
        }
        return with_truncation_warning(body, content)

    def _burst_size(self, channel_id: str, post_at: int) -> int:
        """Largest count of this channel's messages (incl. the new one) in a 5-minute window holding it."""
        times = sorted(m.post_at for m in self.pending.values() if m.channel == channel_id)
        starts = [post_at] + [t for t in times if post_at - BURST_WINDOW_S < t <= post_at]
        best = 0
        for start in starts:
            inside = bisect.bisect_left(times, start + BURST_WINDOW_S) - bisect.bisect_left(times, start)
            best = max(best, inside + 1)
        return best

    def list_scheduled(self, call: ApiCall) -> dict[str, Any]:
        """Pending messages, optionally for one channel, soonest first."""
        channel_id = call.text("channel")
        if channel_id:
            channel_id = self._directory.resolve_channel(channel_id).id
        items = sorted(
            (m for m in self.pending.values() if channel_id in (None, "", m.channel)), key=lambda m: m.post_at
        )
        return {"scheduled_messages": [m.to_api() for m in items], "response_metadata": {"next_cursor": ""}}

    def delete_scheduled(self, call: ApiCall) -> dict[str, Any]:
        """Cancel a pending message (``invalid_scheduled_message_id`` if unknown or in another channel)."""
        channel = self._directory.resolve_channel(call.text("channel"))
        scheduled = self.pending.get(call.text("scheduled_message_id") or "")
        if scheduled is None or scheduled.channel != channel.id:
            raise ApiError("invalid_scheduled_message_id")
        del self.pending[scheduled.id]
        return {}

    def deliver_due(self) -> list[StoredMessage]:
        """Post every pending message whose ``post_at`` has come (by the fake's clock); return them."""
        now = self._clock()
        delivered = []
        for scheduled in sorted(self.pending.values(), key=lambda m: m.post_at):
            if scheduled.post_at > now:
                continue
            del self.pending[scheduled.id]
            if scheduled.metadata is not None:
                self.dropped.append(scheduled)
                continue
            channel = self._directory.resolve_channel(scheduled.channel)
            delivered.append(
                self._messages.store(
                    channel,
                    user=self._directory.identity.user_id,
                    text=scheduled.text,
                    blocks=scheduled.blocks,
                    thread_ts=scheduled.thread_ts,
                )
            )
        return delivered
