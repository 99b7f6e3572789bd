"""The wire protocol: signed JSON both ways.

Every request carries ``X-Webhook-Timestamp`` (Unix seconds) and ``X-Webhook-Signature``
(``v1=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with the shared secret). A request more than
five minutes off, or with a wrong signature, is refused.

An inbound event::

    {"id": "evt-1", "kind": "message", "workspace": "acme", "channel": "dm-u1", "direct": true,
     "user": {"id": "u1", "name": "Alice", "timezone": "Asia/Shanghai"}, "text": "new Acme", "thread": null}

``kind`` is one of the core's `InboundKind` values (a button click sends the button's ``command`` as
``text``). The answer, and every push, is a list of messages::

    {"text": "core markdown", "ok": true, "private": true, "quiet": false,
     "buttons": [{"id": "done", "label": "Done", "command": "done #12"}]}
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from adapters.webhook.platform import PLATFORM, WEBHOOK
from bot.delivery import fit
from bot.messages import InboundKind, Incoming, Reply

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"
MAX_SKEW_S = 300
KINDS = frozenset(value for name, value in vars(InboundKind).items() if name.isupper())


class BadRequest(ValueError):
    """An event that cannot become a command; the message says why."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: float) -> bool:
    """Whether the request was signed with `secret` within the allowed clock skew."""
    if not timestamp or not signature:
        return False
    try:
        if abs(now - int(timestamp)) > MAX_SKEW_S:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass(frozen=True)
class InboundEvent:
    """One inbound event: the core's `Incoming`, and whether it asked in a place others see."""

    incoming: Incoming

    @property
    def seen_by_others(self) -> bool:
        return not self.incoming.is_direct


def translate(body: bytes) -> InboundEvent:
    """An inbound event's JSON → `InboundEvent`; raises `BadRequest` for anything unusable."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadRequest("body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("body is not a JSON object")
    user: dict[str, Any] = data["user"] if isinstance(data.get("user"), dict) else {}
    kind = str(data.get("kind") or InboundKind.MESSAGE)
    text, user_id, channel = data.get("text"), str(user.get("id") or ""), str(data.get("channel") or "")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("no text")
    if not user_id or not channel:
        raise BadRequest("no user id or channel")
    if kind not in KINDS:
        raise BadRequest(f"unknown kind {kind!r}")
    incoming = Incoming(
        platform=PLATFORM,
        workspace=str(data.get("workspace") or ""),
        channel=channel,
        user_id=user_id,
        text=text.strip(),
        message_id=str(data["id"]) if data.get("id") else None,
        thread=str(data["thread"]) if data.get("thread") else None,
        user_name=str(user["name"]) if user.get("name") else None,
        user_timezone=str(user["timezone"]) if user.get("timezone") else None,
        is_direct=bool(data.get("direct", True)),
        kind=kind,
    )
    return InboundEvent(incoming)


def render(reply: Reply, *, seen_by_others: bool) -> list[dict[str, Any]]:
    """A core reply as the platform's messages, degraded and paged by the core to its capabilities."""
    messages = []
    for page in fit(reply, WEBHOOK.capabilities, seen_by_others=seen_by_others):
        actions = page.card.actions if page.card is not None else ()
        messages.append({
            "text": page.text, "ok": page.ok, "private": page.private, "quiet": page.quiet,
            "buttons": [{"id": a.action_id, "label": a.label, "command": a.command} for a in actions],
        })
    return messages
