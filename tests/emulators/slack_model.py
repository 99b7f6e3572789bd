"""Shared vocabulary of the fake Slack: the error type, the parsed call, and parameter readers.

slack_sdk sends the same logical argument in different encodings depending on the method (JSON for
write methods, form or query params for reads; booleans become ``"1"``/``"0"``; ``blocks`` and
``view`` may arrive as JSON *strings* in form posts). The readers below accept all of them so each
method handler deals with plain Python values, and raise `ApiError` with Slack's own error codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]
"""Seconds since the epoch; injected so tests can move time without sleeping."""

MethodHandler = Callable[["ApiCall"], dict[str, Any]]
"""Answers one Web API method: returns the body without ``ok`` or raises `ApiError`."""


class ApiError(Exception):
    """A Slack ``{"ok": false, "error": code}`` answer; extra fields are merged into the body."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would send for this error."""
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class ApiCall:
    """One Web API call as a method handler sees it."""

    method: str
    params: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def text(self, name: str, default: str | None = None) -> str | None:
        """A string parameter (numbers are stringified the way form encoding would)."""
        value = self.params.get(name, default)
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def required(self, name: str, error: str = "invalid_arguments") -> str:
        """A non-empty string parameter, else ``error`` (Slack uses method-specific codes here)."""
        value = self.text(name)
        if not value:
            raise ApiError(error, response_metadata={"messages": [f"[ERROR] missing required field: {name}"]})
        return value

    def flag(self, name: str) -> bool:
        """A boolean parameter as slack_sdk sends it: ``True``, ``"true"``, ``"1"``."""
        value = self.params.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"1", "true"} if value is not None else False

    def integer(self, name: str, default: int, error: str = "invalid_arguments") -> int:
        """An integer parameter (form posts send ``"42"``); ``error`` when it is not a number."""
        value = self.params.get(name)
        if value in (None, ""):
            return default
        try:
            return int(float(value))
        except (TypeError, ValueError):
            raise ApiError(error) from None

    def json_value(self, name: str, error: str) -> Any:
        """A structured parameter that may arrive decoded (JSON body) or as a JSON string (form body)."""
        value = self.params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(error, errors=[f"{name} is not valid JSON"]) from None
        return value


@dataclass
class SlackUser:
    """A workspace member as `users.info` describes them."""

    id: str
    name: str
    real_name: str
    display_name: str
    tz: str = "UTC"
    locale: str = "en-US"
    is_bot: bool = False
    deleted: bool = False
    email: str | None = None


@dataclass
class SlackChannel:
    """A conversation the fake knows: public/private channel (`C…`/`G…`) or DM (`D…`)."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    bot_is_member: bool = True
    members: list[str] = field(default_factory=list)


@dataclass
class StoredMessage:
    """A message as the fake keeps it; `to_api` renders Slack's message object."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    reply_broadcast: bool = False
    """A thread reply also sent to the channel ("Also send to #channel")."""
    reactions: dict[str, list[str]] = field(default_factory=dict)
    previous_versions: list[dict[str, Any]] = field(default_factory=list)
    """Earlier ``{"text", "blocks"}`` states, oldest first, one per chat.update / replace_original."""

    @property
    def is_reply(self) -> bool:
        """True for a thread reply (``thread_ts`` set and different from its own ``ts``)."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = True) -> dict[str, Any]:
        """Slack's JSON for this message (conversations.history, chat.postMessage ``message``)."""
        body: dict[str, Any] = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if self.blocks:
            body["blocks"] = self.blocks
        if self.bot_id:
            body.update(bot_id=self.bot_id, app_id=self.app_id)
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.reply_broadcast:
            body["subtype"] = "thread_broadcast"
        if self.metadata is not None and include_metadata:
            body["metadata"] = self.metadata
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.previous_versions:
            body["edited"] = {"user": self.user, "ts": self.ts}
        return body
