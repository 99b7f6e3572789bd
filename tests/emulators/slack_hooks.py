"""``response_url`` endpoints (``POST /hooks/<id>``), what Bolt's ``respond()`` and `WebhookClient` hit.

Slack documents "up to 5 times within 30 minutes" but not the error for overuse/expiry. The fake's choice, which the product must treat as "fall back to chat.postMessage":

======================================  ======  ================
situation                               status  body (text/plain)
======================================  ======  ================
accepted                                200     ``ok``
unknown hook id                         404     ``no_service``
used ``max_uses`` (5) times already     404     ``used_url``
older than ``lifetime_s`` (1800 s)      404     ``expired_url``
body is not a JSON object               400     ``invalid_payload``
invalid blocks                          400     ``invalid_blocks``
blocks with over 12,000 chars of text   400     ``msg_blocks_too_long``
neither text nor blocks                 400     ``no_text``
======================================  ======  ================

Every request to a live hook counts as a use, even a rejected one. When the hook was created with
the interaction's ``channel`` / ``message_ts`` / ``user_id``, the body takes effect in the fake's
workspace: ``delete_original`` deletes and ``replace_original`` edits that message,
``response_type: in_channel`` posts a bot message (``thread_ts`` honoured), otherwise an ephemeral
message for ``user_id`` is recorded.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from tests.emulators.slack_directory import Directory
from tests.emulators.slack_messages import EphemeralMessage, MessageStore, read_message_content
from tests.emulators.slack_model import ApiCall, ApiError, Clock

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_LIFETIME_S = 30 * 60


@dataclass
class ResponseHook:
    """One response_url and the interaction it belongs to."""

    id: str
    created_at: float
    max_uses: int
    lifetime_s: float | None
    channel: str | None
    user_id: str | None
    message_ts: str | None
    uses: int = 0


@dataclass(frozen=True)
class HookPost:
    """One request to a hook, as recorded (``result`` is ``ok`` or the error body sent back)."""

    hook_id: str
    body: Any
    time: float
    status: int
    result: str
    warnings: tuple[str, ...] = ()


class ResponseHooks:
    """Registered response_urls, their use counts, and the effect of each accepted post."""

    def __init__(self, directory: Directory, messages: MessageStore, clock: Clock) -> None:
        self._directory = directory
        self._messages = messages
        self._clock = clock
        self.hooks: dict[str, ResponseHook] = {}
        self.posts: list[HookPost] = []

    def create(
        self,
        name: str | None = None,
        *,
        channel: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
        max_uses: int = RESPONSE_URL_MAX_USES,
        lifetime_s: float | None = RESPONSE_URL_LIFETIME_S,
    ) -> ResponseHook:
        """Register a hook; ``name`` becomes its id (URL-safe), else a random id is used."""
        hook_id = name or secrets.token_urlsafe(12)
        if not all(ch.isalnum() or ch in "-_" for ch in hook_id):
            raise ValueError(f"hook name must be URL-safe ([A-Za-z0-9_-]), got {hook_id!r}")
        if channel is not None:
            channel = self._directory.resolve_channel(channel).id
        hook = ResponseHook(hook_id, self._clock(), max_uses, lifetime_s, channel, user_id, message_ts)
        self.hooks[hook_id] = hook
        return hook

    def handle(self, hook_id: str, raw_body: bytes) -> tuple[int, str]:
        """Answer one POST; returns (HTTP status, text body) and records it."""
        body: Any = raw_body.decode("utf-8", errors="replace")
        with contextlib.suppress(json.JSONDecodeError):
            body = json.loads(body)  # a non-JSON body is kept as text and answered invalid_payload
        warnings: list[str] = []
        status, result = self._apply(hook_id, body, warnings)
        self.posts.append(HookPost(hook_id, body, self._clock(), status, result, tuple(warnings)))
        return status, result

    def _apply(self, hook_id: str, body: Any, warnings: list[str]) -> tuple[int, str]:
        hook = self.hooks.get(hook_id)
        if hook is None:
            return 404, "no_service"
        if hook.lifetime_s is not None and self._clock() - hook.created_at > hook.lifetime_s:
            return 404, "expired_url"
        if hook.uses >= hook.max_uses:
            return 404, "used_url"
        hook.uses += 1
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        original = self._messages.find(hook.channel, hook.message_ts) if hook.channel else None
        if body.get("delete_original"):
            if original is not None:
                self._messages.remove(original)
            return 200, "ok"
        call = ApiCall("response_url", body, warnings)
        try:
            content = read_message_content(call)
        except ApiError as exc:
            return 400, exc.error
        if body.get("replace_original") and original is not None:
            self._messages.replace_content(original, content, keep_text=False)
        elif body.get("response_type") == "in_channel" and hook.channel:
            channel = self._directory.resolve_channel(hook.channel)
            try:
                self._messages.store(
                    channel,
                    user=self._directory.identity.user_id,
                    text=content.text,
                    blocks=content.blocks,
                    thread_ts=body.get("thread_ts"),
                )
            except ApiError as exc:
                return 400, exc.error
        elif hook.channel and hook.user_id:
            self._messages.ephemerals.append(
                EphemeralMessage(
                    hook.channel,
                    hook.user_id,
                    self._messages.next_ts(),
                    content.text,
                    list(content.blocks or []),
                    body.get("thread_ts"),
                )
            )
        return 200, "ok"
