"""`SlackSender`: the core's `Sender` port for Slack (DMs, channel posts, thread replies, card updates).

- DMs go to the conversation `conversations.open` returns for the user, cached per workspace and user.
- Posts to one channel are spaced about a second apart (Slack's ~1 message/s per channel limit) by
  `ChannelPacer`, so a burst of pushes is delayed, never dropped; different channels do not wait for each
  other. A 429 that still happens is retried by the WebClient's `RateLimitErrorRetryHandler`.
- Every failure is raised as `bot.ports.DeliveryError`: ``permanent=True`` for errors retrying cannot fix
  (unknown or archived channel, bot not invited, revoked token, …), ``retry_after`` for rate limits.
- A card sent to a channel (not a DM) is redacted: sensitive fields never reach a shared space.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from adapters.slack.blocks import SlackMessage, render_pages
from adapters.slack.platform import PLATFORM, SLACK
from adapters.slack.workspaces import NotInstalled, Workspaces
from bot.messages import Reply, SentMessage, Target
from bot.ports import DeliveryError

log = logging.getLogger("crmbot.slack.sender")

POST_INTERVAL_S = 1.0

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
        "invalid_blocks",
        "msg_too_long",
    }
)


class ChannelPacer:
    """Spaces posts to the same channel at least ``interval`` seconds apart; other channels never wait.

    Each caller reserves the next free slot under a lock and sleeps outside it, so concurrent senders
    to one channel queue up in order. ``clock``/``sleep`` are injectable so tests run on virtual time.
    """

    def __init__(
        self,
        interval: float = POST_INTERVAL_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_turn(self, channel_key: str) -> float:
        """Block until ``channel_key`` may be posted to; returns how long it waited (seconds)."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(channel_key, now))
            self._next_slot[channel_key] = slot + self.interval
            if len(self._next_slot) > 10_000:  # forget channels that have been quiet for a while
                self._next_slot = {k: v for k, v in self._next_slot.items() if v > now}
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class SlackDeliveryError(DeliveryError):
    """A `DeliveryError` that also keeps Slack's error code (``"not_in_channel"``) for the adapter's own use."""

    def __init__(self, message: str, *, code: str, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message, permanent=permanent, retry_after=retry_after)
        self.code = code


def delivery_error(exc: Exception, action: str) -> SlackDeliveryError:
    """Translate a slack_sdk failure into the core's `DeliveryError` (permanent / retry-after / transient)."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        code = str(response.get("error") or f"http_{response.status_code}")
        if response.status_code == 429 or code == "ratelimited":
            retry_after = _retry_after(response)
            return SlackDeliveryError(f"{action}: rate limited (retry after {retry_after}s)", code="ratelimited",
                                      retry_after=retry_after)
        return SlackDeliveryError(f"{action}: {code}", code=code, permanent=code in PERMANENT_ERRORS)
    return SlackDeliveryError(f"{action}: {type(exc).__name__}: {exc}", code="connection_error")


def _retry_after(response: SlackResponse) -> float:
    for name, value in (response.headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                break
    return 1.0


class SlackSender:
    """Pushes core replies into Slack through one `WebClient` (whose base_url is SLACK_API_URL)."""

    platform = PLATFORM
    capabilities = SLACK.capabilities

    def __init__(self, client: WebClient, *, pacer: ChannelPacer | None = None,
                 workspaces: Workspaces | None = None) -> None:
        """``client`` carries the bot token, base URL and retry handlers; ``pacer`` spaces channel posts;
        ``workspaces`` gives each workspace its own token ("Add to Slack"), else ``client`` speaks to all."""
        self.client = client
        self.workspaces = workspaces or Workspaces(client)
        self.pacer = pacer or ChannelPacer()
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._dm_lock = threading.Lock()

    # -- the Sender port -----------------------------------------------------------------------------

    def send(self, target: Target, reply: Reply) -> SentMessage:
        """Post ``reply`` to a channel, a thread or a user's DM; returns the first message posted.

        Replies longer than one Slack message are posted as several (paginated) messages.
        Raises `DeliveryError` (``permanent`` / ``retry_after`` set as appropriate).
        """
        channel = self._channel_of(target)
        metadata = _outbox_metadata(reply)
        first: SentMessage | None = None
        for page in render_pages(reply, seen_by_others=not channel.startswith("D")):
            posted = self.post(target.workspace, channel, page, thread=target.thread, metadata=metadata)
            metadata = None  # the first page marks the delivery
            first = first or posted
        assert first is not None  # a reply is always at least one page
        return first

    def update(self, message: SentMessage, reply: Reply) -> None:
        """Replace a message the bot posted (a shared card) in place with ``reply`` (chat.update)."""
        # One message is replaced: the page that carries the card (a card alone is one page).
        page = render_pages(reply, seen_by_others=not message.channel.startswith("D"))[-1]
        self._call("chat.update", self._client(message.workspace).chat_update, channel=message.channel,
                   ts=message.message_id, **page.as_kwargs())

    # -- building blocks other parts of the adapter share ------------------------------------------------

    def post(self, workspace: str, channel: str, message: SlackMessage, *, thread: str | None = None,
             metadata: dict[str, Any] | None = None) -> SentMessage:
        """Post one rendered message (paced per channel); raises `DeliveryError`."""
        self.pacer.wait_turn(f"{workspace}:{channel}")
        response = self._call(
            "chat.postMessage",
            self._client(workspace).chat_postMessage,
            channel=channel,
            thread_ts=thread,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
            **message.as_kwargs(),
        )
        return SentMessage(PLATFORM, workspace, str(response["channel"]), str(response["ts"]))

    def find_delivered(self, target: Target, outbox_ids: list[int]) -> SentMessage | None:
        """A message of ours already carrying one of `outbox_ids` in `target`, or None.

        The scheduler asks this before re-sending a notification whose worker died between posting and
        marking it sent (message metadata closes that duplicate window). Any failure to look answers None:
        sending twice is better than not at all.
        """
        wanted = {str(i) for i in outbox_ids}
        try:
            channel = self._channel_of(target)
            response = self._call("conversations.history", self._client(target.workspace).conversations_history,
                                  channel=channel,
                                  limit=HISTORY_LOOKBACK, include_all_metadata=True)
        except DeliveryError:
            return None
        messages: list[dict[str, Any]] = response.get("messages", [])
        for message in messages:
            meta = message.get("metadata") or {}
            if meta.get("event_type") != METADATA_EVENT:
                continue
            posted = set(str(meta.get("event_payload", {}).get("outbox_ids", "")).split(","))
            if posted & wanted:
                return SentMessage(PLATFORM, target.workspace, channel, str(message["ts"]))
        return None

    def post_ephemeral(self, channel: str, user: str, message: SlackMessage, *, thread: str | None = None,
                       workspace: str | None = None) -> None:
        """Show ``message`` to ``user`` only, in ``channel`` (chat.postEphemeral); raises `DeliveryError`."""
        self._call("chat.postEphemeral", self._client(workspace).chat_postEphemeral, channel=channel, user=user,
                   thread_ts=thread, **message.as_kwargs())

    def add_reaction(self, channel: str, ts: str, name: str, *, workspace: str | None = None) -> None:
        """React to a message with emoji ``name``; an existing identical reaction counts as success."""
        try:
            self._call("reactions.add", self._client(workspace).reactions_add, channel=channel, timestamp=ts,
                       name=name)
        except SlackDeliveryError as exc:
            if exc.code != "already_reacted":
                raise

    def dm_channel(self, workspace: str, user: str) -> str:
        """The DM conversation with ``user`` (conversations.open once, then cached); raises `DeliveryError`."""
        key = (workspace, user)
        with self._dm_lock:
            cached = self._dm_channels.get(key)
        if cached:
            return cached
        response = self._call("conversations.open", self._client(workspace).conversations_open, users=user)
        channel_id = str(response["channel"]["id"])
        with self._dm_lock:
            self._dm_channels[key] = channel_id
        return channel_id

    def client_for(self, workspace: str | None) -> WebClient:
        """The Web API client that speaks to `workspace` (its own bot token once installed through OAuth)."""
        return self.workspaces.client(workspace)

    def _client(self, workspace: str | None) -> WebClient:
        try:
            return self.workspaces.client(workspace)
        except NotInstalled as exc:
            raise SlackDeliveryError(str(exc), code="not_installed", permanent=True) from exc

    def _channel_of(self, target: Target) -> str:
        if target.channel:
            return target.channel
        if target.user:
            return self.dm_channel(target.workspace, target.user)
        raise DeliveryError(f"target {target.key()} names neither a channel nor a user", permanent=True)

    def _call(self, action: str, method: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        arguments = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return method(**arguments)
        except (SlackApiError, SlackClientError, OSError) as exc:
            error = delivery_error(exc, action)
            log.warning("slack %s failed: %s", action, error)
            raise error from exc


METADATA_EVENT = "crm_notification"
HISTORY_LOOKBACK = 50  # a reclaimed push is minutes old; the last 50 messages of the DM cover it


def _outbox_metadata(reply: Reply) -> dict[str, Any] | None:
    """Slack message metadata naming the outbox rows a push delivers (read back by `find_delivered`)."""
    ids = reply.extras.get("outbox_ids") if reply.extras else None
    if not isinstance(ids, list | tuple) or not ids:
        return None
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_ids": ",".join(str(i) for i in ids)}}
