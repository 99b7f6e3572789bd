"""Translating a chatbot CALLBACK payload into the core's `Incoming`.

What DingTalk sends and what the core gets:
- text: `text.content`; richText: its text items joined (pictures skipped); audio: the speech recognition
  text in `content.recognition` (the SDK leaves audio in `extensions`); anything else → not a command;
- groups (`conversationType` "2") arrive with the `@Robot` removed but a leading space kept, richText may
  still carry a literal `@Robot` item: leading mentions and spaces (also full-width `＠` and U+3000) are
  stripped here; the core's parser does NFKC and strips one leading `/` or `#`;
- `workspace` is the sender's corp id (falling back to the robot's), so two corps never share a tenant;
- other people's ``@nickname`` mentions become ``@<staffId>`` from ``atUsers`` (`with_staff_mentions`), so
  commands that name a person (`assign`, `handover`) find them by staff id, never by nickname;
- `channel` is the group's `conversationId` in groups, and the sender's staff id in a DM, which is the
  address 1:1 pushes need (`UserIdentity.dm_channel`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.dingtalk.platform import PLATFORM  # re-exported
from bot.messages import Incoming

DIRECT = "1"
GROUP = "2"
_LEADING_MENTIONS = re.compile(r"^(?:\s*[@＠]\S*)+\s*")
_MENTION = re.compile(r"(?<!\S)[@＠][^\s@＠]+")


class UnusableMessage(ValueError):
    """A payload that cannot become a command (no sender, no conversation, no text); the reason says why."""


@dataclass(frozen=True)
class InboundMessage:
    """One chat message: the core's `Incoming` plus what the adapter needs to answer it."""

    incoming: Incoming
    session_webhook: str | None
    # Epoch milliseconds after which `session_webhook` no longer works (None when DingTalk did not say).
    session_webhook_expires_ms: int | None
    conversation_id: str
    conversation_title: str | None
    sender_staff_id: str
    robot_code: str | None

    @property
    def is_group(self) -> bool:
        """Whether the message was said in a group (replies there are public)."""
        return not self.incoming.is_direct


def command_text(raw: str) -> str:
    """The command in a message body: leading @mentions and whitespace removed, inner text untouched."""
    return _LEADING_MENTIONS.sub("", raw or "", count=1).strip()


def with_staff_mentions(text: str, at_users: Any) -> str:
    """`text` with each ``@nickname`` a person typed replaced by ``@<staffId>`` from the payload's ``atUsers``.

    DingTalk shows a mention as the nickname, which anyone can share or change; ``atUsers`` lists the staff id
    of each person mentioned (the robot, listed without one, is already cut from the text), in the order
    they were mentioned. The core then finds the person by that platform id, never by a name. When the
    mentions in the text do not line up one to one with ``atUsers``, the text is left as typed.
    """
    if not isinstance(at_users, list):
        return text
    staff = [u["staffId"] for u in at_users
             if isinstance(u, dict) and isinstance(u.get("staffId"), str) and u["staffId"].strip()]
    mentions = list(_MENTION.finditer(text))
    if not staff or len(mentions) != len(staff):
        return text
    out, last = [], 0
    for match, staff_id in zip(mentions, staff, strict=True):
        out += [text[last : match.start()], "@" + staff_id.strip()]
        last = match.end()
    return "".join(out) + text[last:]


def message_text(payload: dict[str, Any]) -> str | None:
    """The text a user typed or said, before mention stripping; None for pictures, files and the like."""
    msgtype = payload.get("msgtype")
    if msgtype == "text":
        text = payload.get("text")
        return text.get("content") if isinstance(text, dict) and isinstance(text.get("content"), str) else None
    content = payload.get("content")
    if not isinstance(content, dict):
        return None
    if msgtype == "richText":
        items = content.get("richText")
        if not isinstance(items, list):
            return None
        texts = [item["text"] for item in items if isinstance(item, dict) and isinstance(item.get("text"), str)]
        return " ".join(texts) if texts else None
    if msgtype == "audio":
        recognition = content.get("recognition")
        return recognition if isinstance(recognition, str) else None
    return None


def translate(payload: dict[str, Any]) -> InboundMessage:
    """The `InboundMessage` for one chatbot payload; raises `UnusableMessage` when it carries no command."""
    conversation_type = str(payload.get("conversationType", ""))
    if conversation_type not in (DIRECT, GROUP):
        raise UnusableMessage(f"unknown conversationType {payload.get('conversationType')!r}")
    conversation_id = _string(payload, "conversationId")
    # External users in external groups may have no staff id; nothing can be sent to them.
    staff_id = _string(payload, "senderStaffId")
    if not conversation_id or not staff_id:
        raise UnusableMessage("message without conversationId or senderStaffId (external user?)")
    raw = message_text(payload)
    if raw is None:
        raise UnusableMessage(f"msgtype {payload.get('msgtype')!r} carries no text")
    text = with_staff_mentions(command_text(raw), payload.get("atUsers"))
    if not text:
        raise UnusableMessage("empty command text")
    workspace = _string(payload, "senderCorpId") or _string(payload, "chatbotCorpId")
    if not workspace:
        raise UnusableMessage("message without a corp id")
    is_direct = conversation_type == DIRECT
    incoming = Incoming(
        platform=PLATFORM,
        workspace=workspace,
        channel=staff_id if is_direct else conversation_id,
        user_id=staff_id,
        text=text,
        message_id=_string(payload, "msgId") or None,
        user_name=_string(payload, "senderNick") or None,
        is_direct=is_direct,
        at=_instant(payload.get("createAt")),
        remember_group=not is_direct,  # group pushes need the id only a group message tells
        group_title=_string(payload, "conversationTitle") or None,
    )
    expires = payload.get("sessionWebhookExpiredTime")
    return InboundMessage(
        incoming=incoming,
        session_webhook=_string(payload, "sessionWebhook") or None,
        session_webhook_expires_ms=int(expires) if isinstance(expires, int | str) and str(expires).isdigit() else None,
        conversation_id=conversation_id,
        conversation_title=_string(payload, "conversationTitle") or None,
        sender_staff_id=staff_id,
        robot_code=_string(payload, "robotCode") or None,
    )


def _string(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    return value.strip() if isinstance(value, str) else ""


def _instant(created_ms: Any) -> datetime | None:
    if not isinstance(created_ms, int) or created_ms <= 0:
        return None
    return datetime.fromtimestamp(created_ms / 1000, tz=UTC)
