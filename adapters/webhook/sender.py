"""The core's `Sender` port for the webhook platform: pushes POSTed, signed, to its ``outbound_url``.

The platform answers ``{"message_id": "…"}``. A 429 or a 5xx is worth retrying (after ``Retry-After``
when given); any other 4xx is permanent (a bad target will not get better).
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from adapters.webhook.platform import PLATFORM, WEBHOOK
from adapters.webhook.protocol import SIGNATURE_HEADER, TIMESTAMP_HEADER, render, sign
from bot.messages import Reply, SentMessage, Target
from bot.ports import DeliveryError


class WebhookSender:
    """Pushes DMs and channel posts, and replaces messages it posted."""

    platform = PLATFORM
    capabilities = WEBHOOK.capabilities

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self._http = requests.Session()
        self._http.trust_env = False  # a proxy from the environment must not see signed bodies

    def send(self, target: Target, reply: Reply) -> SentMessage:
        """Post `reply` to a user's DM or a channel; returns the platform's id of the (first) message."""
        answer = self._post({"target": _target(target), "messages": render(reply, seen_by_others=_public(target))})
        message_id = str(answer.get("message_id") or "")
        if not message_id:
            raise DeliveryError("the platform answered without a message_id")
        return SentMessage(PLATFORM, target.workspace, target.channel or f"@{target.user}", message_id)

    def update(self, message: SentMessage, reply: Reply) -> None:
        """Replace a message posted earlier (a shared card) with the first page of `reply`."""
        target = Target(PLATFORM, message.workspace, channel=message.channel)
        messages = render(reply, seen_by_others=not message.channel.startswith("@"))
        self._post({"target": _target(target), "replace": message.message_id, "messages": messages[:1]})

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(self.secret, timestamp, body)}
        try:
            response = self._http.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise DeliveryError(f"webhook push failed: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            raise DeliveryError(f"webhook push answered {response.status_code}",
                                retry_after=float(retry_after) if retry_after else None)
        if response.status_code >= 400:
            raise DeliveryError(f"webhook push refused ({response.status_code}): {response.text[:200]}", permanent=True)
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}


def _target(target: Target) -> dict[str, Any]:
    return {"workspace": target.workspace, "channel": target.channel, "user": target.user, "thread": target.thread}


def _public(target: Target) -> bool:
    return target.channel is not None
