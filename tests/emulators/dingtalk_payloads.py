"""Pure builders for what the DingTalk gateway emulator puts on the wire.

Everything here is a plain function of its arguments (plus fresh random ids), so the shapes can be
reviewed against DingTalk's documented payloads without reading any server code:

- stream frames (`build_frame`) with `data` always a JSON *string*;
- chatbot message payloads (`build_bot_message`) as pushed on `/v1.0/im/bot/messages/get`;
- card button callbacks (`build_card_callback`) and EVENT pushes (`build_event`);
- the custom-robot HMAC signature (`custom_robot_sign`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

BOT_MESSAGE_TOPIC = "/v1.0/im/bot/messages/get"
CARD_CALLBACK_TOPIC = "/v1.0/card/instances/callback"
EVENT_TOPIC = "*"
PING_TOPIC = "ping"
DISCONNECT_TOPIC = "disconnect"

FrameType = Literal["SYSTEM", "EVENT", "CALLBACK"]
ConversationType = Literal["1", "2"]
BotMessageType = Literal["text", "richText", "picture", "audio", "video", "file"]


@dataclass(frozen=True)
class RobotIdentity:
    """Who the emulated robot is: the ids every pushed payload repeats."""

    robot_code: str
    corp_id: str
    robot_name: str
    app_id: str


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _stable_b64(*parts: str, size: int = 16) -> str:
    return _b64(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:size])


def new_stream_message_id(now_ms: int) -> str:
    """A frame `headers.messageId` shaped like the real gateway's (`212ca9d7_974_1898c159aa6_1783b`)."""
    return f"{secrets.token_hex(4)}_{secrets.randbelow(0xFFF):x}_{now_ms:x}_{secrets.token_hex(3)[:5]}"


def new_msg_id() -> str:
    """A chatbot `msgId` (`msg` + base64), the key our adapter dedupes on."""
    return "msg" + _b64(secrets.token_bytes(16))


def conversation_id_for(name: str) -> str:
    """A `cid…==` conversation id that is stable for a given group name or 1:1 partner."""
    return "cid" + _stable_b64("conversation", name)


def lwcp_id(subject: str) -> str:
    """An encrypted-looking `$:LWCP_v1:$…` user id, stable per subject (staff id or robot code)."""
    return "$:LWCP_v1:$" + _stable_b64("lwcp", subject, size=24)


def new_download_code() -> str:
    """An opaque media `downloadCode` for pictures, audio and files."""
    return "emu-dl-" + secrets.token_urlsafe(12)


def build_frame(
    frame_type: FrameType,
    topic: str,
    data: Mapping[str, Any],
    *,
    app_id: str,
    connection_id: str,
    message_id: str | None,
    now_ms: int,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A server-to-client stream frame exactly as DingTalk sends it.

    `message_id=None` leaves the header out, which is what SYSTEM `disconnect` looks like.
    """
    headers: dict[str, str] = {
        "appId": app_id,
        "connectionId": connection_id,
        "contentType": "application/json",
    }
    if message_id is not None:
        headers["messageId"] = message_id
    headers["time"] = str(now_ms)
    headers["topic"] = topic
    headers.update(extra_headers or {})
    return {
        "specVersion": "1.0",
        "type": frame_type,
        "headers": headers,
        # B7.1: the real gateway sends data as a string holding JSON, never as an object.
        "data": json.dumps(dict(data), ensure_ascii=False),
    }


def _bot_content(
    msgtype: BotMessageType, text: str, robot_name: str, in_group: bool, at_bot: bool, with_picture: bool
) -> dict[str, Any]:
    if msgtype == "text":
        # B7.3: in groups DingTalk strips "@Robot" but keeps the space that followed it.
        return {"text": {"content": (" " + text) if in_group else text}}
    if msgtype == "richText":
        items: list[dict[str, str]] = []
        if in_group and at_bot:
            items.append({"text": f"@{robot_name}"})
        items.append({"text": text})
        if with_picture:
            code = new_download_code()
            items.append({"type": "picture", "downloadCode": code, "pictureDownloadCode": code})
        return {"content": {"richText": items}}
    if msgtype == "audio":
        return {"content": {"downloadCode": new_download_code(), "duration": 4000, "recognition": text}}
    if msgtype == "picture":
        code = new_download_code()
        return {"content": {"downloadCode": code, "pictureDownloadCode": code}}
    if msgtype == "video":
        return {"content": {"downloadCode": new_download_code(), "duration": 10, "videoType": "mp4"}}
    if msgtype == "file":
        return {"content": {"downloadCode": new_download_code(), "fileName": text or "报价单.pdf"}}
    raise ValueError(f"unsupported msgtype {msgtype!r}; expected one of text, richText, picture, audio, video, file")


def build_bot_message(
    text: str,
    *,
    robot: RobotIdentity,
    session_webhook: str,
    now_ms: int,
    session_ttl_ms: int,
    conversation_type: ConversationType = "1",
    sender_staff_id: str = "rep001",
    sender_nick: str = "张三",
    conversation_id: str | None = None,
    conversation_title: str = "华东销售群",
    at_bot: bool = True,
    at_staff_ids: Iterable[str] = (),
    msgtype: BotMessageType = "text",
    content: Any = None,
    msg_id: str | None = None,
    is_admin: bool = False,
    with_picture: bool = False,
) -> dict[str, Any]:
    """A chatbot CALLBACK payload with the A3 fields.

    Groups (`conversation_type="2"`) add `conversationTitle`, `isInAtList` and `atUsers` (the robot
    without a staffId, other @-ed users with one) and prefix text with one space. `content`, when
    given, replaces the generated `text`/`content` body verbatim (for odd shapes in tests).
    """
    if conversation_type not in ("1", "2"):
        raise ValueError(f'conversation_type must be the string "1" (1:1) or "2" (group), not {conversation_type!r}')
    in_group = conversation_type == "2"
    chatbot_user_id = lwcp_id(robot.robot_code)
    if conversation_id is None:
        conversation_id = conversation_id_for(conversation_title if in_group else f"{robot.robot_code}:{sender_staff_id}")
    payload: dict[str, Any] = {
        "conversationId": conversation_id,
        "chatbotCorpId": robot.corp_id,
        "chatbotUserId": chatbot_user_id,
        "msgId": msg_id or new_msg_id(),
        "senderNick": sender_nick,
        "isAdmin": is_admin,
        "senderStaffId": sender_staff_id,
        "sessionWebhookExpiredTime": now_ms + session_ttl_ms,
        "createAt": now_ms,
        "senderCorpId": robot.corp_id,
        "conversationType": conversation_type,
        "senderId": lwcp_id(sender_staff_id),
        "sessionWebhook": session_webhook,
        "robotCode": robot.robot_code,
        "msgtype": msgtype,
    }
    if in_group:
        at_users: list[dict[str, str]] = [{"dingtalkId": chatbot_user_id}] if at_bot else []
        at_users += [{"dingtalkId": lwcp_id(staff), "staffId": staff} for staff in at_staff_ids]
        payload.update(conversationTitle=conversation_title, isInAtList=at_bot, atUsers=at_users)
    if content is not None:
        payload["text" if msgtype == "text" else "content"] = content
    else:
        payload.update(_bot_content(msgtype, text, robot.robot_name, in_group, at_bot, with_picture))
    return payload


def build_card_callback(
    out_track_id: str,
    user_id: str,
    *,
    corp_id: str,
    action_ids: Iterable[str] = (),
    params: Mapping[str, Any] | None = None,
    space_type: Literal["IM_GROUP", "IM_ROBOT"] = "IM_GROUP",
    space_id: str = "",
) -> dict[str, Any]:
    """A card button callback payload; `content` and `extension` are JSON strings as on the wire."""
    private_data = {"actionIds": list(action_ids), "params": dict(params or {})}
    return {
        "type": "actionCallback",
        "corpId": corp_id,
        "outTrackId": out_track_id,
        "spaceType": space_type,
        "spaceId": space_id,
        "userId": user_id,
        "userIdType": 1,
        "extension": "{}",
        "content": json.dumps({"cardPrivateData": private_data}, ensure_ascii=False),
    }


def build_event(
    event_type: str, payload: Mapping[str, Any], *, corp_id: str, app_id: str, now_ms: int
) -> dict[str, Any]:
    """An EVENT push: the extra `event*` headers and the event body.

    Returns `{"headers": {...}, "data": {...}}`; the gateway merges the headers into the frame.
    """
    headers = {
        "eventType": event_type,
        "eventId": uuid.uuid4().hex,
        "eventCorpId": corp_id,
        "eventBornTime": str(now_ms),
        "eventUnifiedAppId": app_id,
    }
    return {"headers": headers, "data": dict(payload)}


def custom_robot_sign(secret: str, timestamp_ms: int) -> str:
    """The custom-robot `sign` query value before URL encoding: b64(HMAC_SHA256(secret, f"{ts}\\n{secret}"))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return _b64(digest)
