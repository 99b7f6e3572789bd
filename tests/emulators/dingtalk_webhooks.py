"""Webhook routes of the emulator: the per-message sessionWebhook and the legacy custom group
robot `/robot/send` with HMAC signing and its 20-per-minute window.

Both answer oapi style: HTTP 200 with `{"errcode": 0, "errmsg": "ok"}` or a non-zero errcode.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web

from tests.emulators.dingtalk_openapi import read_json_object
from tests.emulators.dingtalk_payloads import custom_robot_sign
from tests.emulators.dingtalk_state import EmulatorState, json_response

# The real code for an expired session is unknown [?]; these are the emulator's documented choices.
SESSION_UNKNOWN_CODE = 300001
SESSION_EXPIRED_CODE = 300002
BAD_BODY_CODE = 40035
CUSTOM_ROBOT_ERROR_CODE = 310000
SIGN_MAX_SKEW_S = 3600


# A markdown reply is held to what a robot send's msgParam may be (title and text as JSON, in UTF-8).
MAX_MARKDOWN_BYTES = 15000


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def robot_body_problem(body: dict[str, Any] | None) -> str | None:
    """Why a webhook message body is malformed, or None when it is acceptable."""
    if body is None:
        return "body must be a JSON object"
    msgtype = body.get("msgtype")
    section = body.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype not in ("text", "markdown", "actionCard", "link", "feedCard"):
        return f"unsupported msgtype {msgtype!r}"
    if not isinstance(section, dict):
        return f"missing {msgtype!r} object"
    if msgtype == "text" and not isinstance(section.get("content"), str):
        return "text.content is required"
    if msgtype == "markdown" and not (section.get("title") and section.get("text")):
        return "markdown needs title and text"
    if msgtype == "markdown" and _json_bytes({"title": section["title"], "text": section["text"]}) > MAX_MARKDOWN_BYTES:
        return f"markdown title and text exceed {MAX_MARKDOWN_BYTES} bytes"
    if msgtype == "actionCard":
        if not (section.get("title") and section.get("text")):
            return "actionCard needs title and text"
        if not (section.get("singleURL") or section.get("btns")):
            return "actionCard needs singleURL or btns"
    if msgtype == "link" and not (section.get("title") and section.get("text") and section.get("messageUrl")):
        return "link needs title, text and messageUrl"
    if msgtype == "feedCard" and not isinstance(section.get("links"), list):
        return "feedCard needs links"
    return None


GROUP_TOO_FAST_CODE = 130101  # a group's robot messages over 20 a minute


def _oapi_error(code: int, message: str) -> web.Response:
    return json_response({"errcode": code, "errmsg": message})


class Webhooks:
    """`/robot/sendBySession` and `/robot/send`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def register(self, app: web.Application) -> None:
        """Add the webhook routes to the emulator app."""
        app.router.add_post("/robot/sendBySession", self.send_by_session)
        app.router.add_post("/robot/send", self.custom_robot_send)

    async def send_by_session(self, request: web.Request) -> web.Response:
        """A reply to one incoming message; recorded in `session_replies` with its conversation."""
        session = self.state.sessions.get(request.query.get("session", ""))
        if session is None:
            return _oapi_error(SESSION_UNKNOWN_CODE, "session not found")
        if session.expires_at <= self.state.now():
            return _oapi_error(SESSION_EXPIRED_CODE, "session expired")
        body = await read_json_object(request)
        if problem := robot_body_problem(body):
            return _oapi_error(BAD_BODY_CODE, problem)
        if session.conversation_type == "2" and not self.state.take_group_slot(session.conversation_id):
            return _oapi_error(GROUP_TOO_FAST_CODE, "send too fast")
        self.state.record(self.state.session_replies, {
            "session": session.session,
            "conversationId": session.conversation_id,
            "conversationType": session.conversation_type,
            "msgId": session.msg_id,
            "body": body,
        })
        return json_response({"errcode": 0, "errmsg": "ok"})

    async def custom_robot_send(self, request: web.Request) -> web.Response:
        """Custom robot webhook: token, optional HMAC sign within 1 h, then the per-token rate window."""
        cfg, now = self.state.config, self.state.now()
        robot = self.state.custom_robots.get(request.query.get("access_token", ""))
        if robot is None:
            return _oapi_error(CUSTOM_ROBOT_ERROR_CODE, "token is not exist")
        if robot.secret is not None:
            timestamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
            if not timestamp.isdigit() or abs(int(timestamp) / 1000 - now) > SIGN_MAX_SKEW_S:
                return _oapi_error(CUSTOM_ROBOT_ERROR_CODE, "invalid timestamp")
            if not hmac.compare_digest(sign, custom_robot_sign(robot.secret, int(timestamp))):
                return _oapi_error(CUSTOM_ROBOT_ERROR_CODE, "sign not match")
        body = await read_json_object(request)
        if problem := robot_body_problem(body):
            return _oapi_error(BAD_BODY_CODE, problem)
        while robot.sent_at and robot.sent_at[0] <= now - cfg.custom_robot_window:
            robot.sent_at.popleft()
        if now < robot.throttled_until or len(robot.sent_at) >= cfg.custom_robot_limit:
            if cfg.custom_robot_penalty and now >= robot.throttled_until:
                robot.throttled_until = now + cfg.custom_robot_penalty
            return _oapi_error(cfg.custom_robot_throttle_code, cfg.custom_robot_throttle_message)
        robot.sent_at.append(now)
        self.state.record(self.state.custom_robot_messages, {"accessToken": robot.access_token, "body": body})
        return json_response({"errcode": 0, "errmsg": "ok"})
