"""OpenAPI robot routes of the emulator: access tokens, proactive 1:1 and group sends, read status,
recall, message files, oapi media upload and the StandardCard `interactiveCards` calls.

All `/v1.0/*` routes need a valid `x-acs-dingtalk-access-token` header and answer 401 otherwise.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from aiohttp import web

from tests.emulators.dingtalk_state import Card, EmulatorState, error_response, json_response

TOKEN_HEADER = "x-acs-dingtalk-access-token"
MAX_OTO_USERS = 20
MAX_GROUP_MSG_PARAM_BYTES = 15000

# msgKey -> keys its msgParam object must carry (only well-attested keys are required).
MSG_KEY_REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    "sampleText": ("content",),
    "sampleMarkdown": ("title", "text"),
    "sampleImageMsg": ("photoURL",),
    "sampleLink": ("text", "title", "picUrl", "messageUrl"),
    "sampleActionCard": ("title", "text", "singleTitle", "singleURL"),
    "sampleActionCard2": ("title", "text"),
    "sampleActionCard3": ("title", "text"),
    "sampleActionCard4": ("title", "text"),
    "sampleActionCard5": ("title", "text"),
    "sampleActionCard6": ("title", "text"),
    "sampleAudio": ("mediaId", "duration"),
    "sampleFile": ("mediaId", "fileName", "fileType"),
    "sampleVideo": ("duration", "videoMediaId", "videoType"),
}


async def read_json_object(request: web.Request) -> dict[str, Any] | None:
    """The request body as a JSON object, or None when it is missing, malformed or not an object."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def bad_body() -> web.Response:
    """400 for a body that is not a JSON object."""
    return error_response(400, "invalidParameter.body", "request body must be a JSON object")


def check_token(state: EmulatorState, request: web.Request) -> web.Response | None:
    """None when the request carries a valid token; the 401 answer otherwise."""
    if state.token_is_valid(request.headers.get(TOKEN_HEADER)):
        return None
    return error_response(401, "InvalidAuthentication", "不合法的access_token (unknown, missing or expired)")


def parse_msg_param(msg_key: Any, msg_param: Any) -> tuple[dict[str, Any] | None, str]:
    """Validate `msgKey`/`msgParam` (msgParam must be a JSON *string*); returns (param, error code)."""
    if msg_key not in MSG_KEY_REQUIRED_PARAMS:
        return None, "invalidParameter.msgKey.invalid"
    if not isinstance(msg_param, str):
        return None, "invalidParameter.msgParam.invalid"
    try:
        param = json.loads(msg_param)
    except ValueError:
        return None, "invalidParameter.msgParam.invalid"
    if not isinstance(param, dict) or any(k not in param for k in MSG_KEY_REQUIRED_PARAMS[msg_key]):
        return None, "invalidParameter.msgParam.invalid"
    return param, ""


def _process_query_key() -> str:
    return secrets.token_urlsafe(24)


class RobotOpenApi:
    """Token issue and the robot message, file and media routes."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def register(self, app: web.Application) -> None:
        """Add the routes to the emulator app."""
        r = app.router
        r.add_post("/v1.0/oauth2/accessToken", self.access_token)
        r.add_post("/v1.0/robot/oToMessages/batchSend", self.oto_batch_send)
        r.add_post("/v1.0/robot/groupMessages/send", self.group_send)
        r.add_get("/v1.0/robot/oToMessages/readStatus", self.oto_read_status)
        r.add_post("/v1.0/robot/otoMessages/batchRecall", self.oto_recall)
        r.add_post("/v1.0/robot/groupMessages/recall", self.group_recall)
        r.add_post("/v1.0/robot/messageFiles/download", self.file_download)
        r.add_get("/files/{code}", self.file_bytes)
        r.add_post("/media/upload", self.media_upload)
        r.add_post("/v1.0/im/v1.0/robot/interactiveCards/send", self.standard_card_send)
        r.add_put("/v1.0/im/robots/interactiveCards", self.standard_card_update)

    async def access_token(self, request: web.Request) -> web.Response:
        """Issue `{"accessToken","expireIn"}` for the right appKey/appSecret."""
        cfg = self.state.config
        body = await read_json_object(request)
        if body is None:
            return bad_body()
        if body.get("appKey") != cfg.client_id or body.get("appSecret") != cfg.client_secret:
            return error_response(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        token = "emu" + secrets.token_hex(16)
        self.state.tokens[token] = self.state.now() + cfg.token_ttl
        self.state.notify()
        return json_response({"accessToken": token, "expireIn": cfg.token_ttl})

    def _robot_code_error(self, body: dict[str, Any]) -> web.Response | None:
        if body.get("robotCode") != self.state.config.client_id:
            return error_response(400, "invalidParameter.robotCode.notExsit", "robotCode does not exist")
        return None

    async def oto_batch_send(self, request: web.Request) -> web.Response:
        """1:1 proactive send to at most 20 staff ids; invalid and flow-controlled users are reported."""
        if denied := check_token(self.state, request):
            return denied
        body = await read_json_object(request)
        if body is None:
            return bad_body()
        if bad := self._robot_code_error(body):
            return bad
        user_ids = body.get("userIds")
        if not isinstance(user_ids, list) or not user_ids or not all(isinstance(u, str) for u in user_ids):
            return error_response(400, "invalidParameter.userIds.empty", "userIds must be a non-empty list of ids")
        if len(user_ids) > MAX_OTO_USERS:
            return error_response(400, "invalidParameter.userIds.overMax", f"at most {MAX_OTO_USERS} userIds")
        param, code = parse_msg_param(body.get("msgKey"), body.get("msgParam"))
        if param is None:
            return error_response(400, code, "msgKey unknown or msgParam is not a JSON string with the required keys")
        if len(body["msgParam"].encode("utf-8")) > MAX_GROUP_MSG_PARAM_BYTES:  # the documented group limit, also 1:1
            return error_response(400, "invalidParameter.msgParam.invalid",
                                  f"msgParam exceeds {MAX_GROUP_MSG_PARAM_BYTES} bytes")
        invalid = [u for u in user_ids if u in self.state.invalid_users]
        throttled = [u for u in user_ids if u in self.state.flow_controlled_users and u not in invalid]
        key = _process_query_key()
        delivered = [u for u in user_ids if u not in invalid and u not in throttled]
        self.state.record(self.state.robot_messages, {
            "kind": "oto", "processQueryKey": key, "userIds": delivered, "msgKey": body["msgKey"],
            "msgParam": param, "recalled": False,
        })
        return json_response(
            {"processQueryKey": key, "invalidStaffIdList": invalid, "flowControlledStaffIdList": throttled}
        )

    async def group_send(self, request: web.Request) -> web.Response:
        """Group proactive send; the robot must be in the group and msgParam at most 15000 bytes."""
        if denied := check_token(self.state, request):
            return denied
        body = await read_json_object(request)
        if body is None:
            return bad_body()
        if bad := self._robot_code_error(body):
            return bad
        cid = body.get("openConversationId")
        if not isinstance(cid, str) or not cid:
            return error_response(400, "invalid.openConversationId", "openConversationId is required")
        if cid not in self.state.groups:
            return error_response(400, "invalidParameter.robotCode.notExsit", "请检查机器人是否在群内 (unknown group)")
        param, code = parse_msg_param(body.get("msgKey"), body.get("msgParam"))
        if param is None:
            return error_response(400, code, "msgKey unknown or msgParam is not a JSON string with the required keys")
        if len(body["msgParam"].encode("utf-8")) > MAX_GROUP_MSG_PARAM_BYTES:
            return error_response(400, "invalidParameter.msgParam.invalid",
                                  f"msgParam exceeds {MAX_GROUP_MSG_PARAM_BYTES} bytes")
        if not self.state.take_group_slot(cid):
            return error_response(429, "send.too.fast", "too many robot messages in this group")
        key = _process_query_key()
        self.state.record(self.state.robot_messages, {
            "kind": "group", "processQueryKey": key, "openConversationId": cid, "msgKey": body["msgKey"],
            "msgParam": param, "recalled": False,
        })
        return json_response({"processQueryKey": key})

    def _message(self, key: Any, kind: str) -> dict[str, Any] | None:
        return next((m for m in self.state.robot_messages if m["processQueryKey"] == key and m["kind"] == kind), None)

    async def oto_read_status(self, request: web.Request) -> web.Response:
        """Read status of a 1:1 send: every delivered user is reported UNREAD."""
        if denied := check_token(self.state, request):
            return denied
        message = self._message(request.query.get("processQueryKey"), "oto")
        if message is None:
            return error_response(400, "invalidParameter.processQueryKey", "unknown processQueryKey")
        infos = [{"name": u, "userId": u, "readStatus": "UNREAD"} for u in message["userIds"]]
        return json_response({"sendStatus": "SUCCESS", "messageReadInfoList": infos})

    async def _recall(self, request: web.Request, kind: str) -> web.Response:
        if denied := check_token(self.state, request):
            return denied
        body = await read_json_object(request)
        if body is None:
            return bad_body()
        keys = body.get("processQueryKeys")
        if not isinstance(keys, list) or not keys:
            return error_response(400, "invalidParameter.processQueryKeys", "processQueryKeys must be a non-empty list")
        success, failed = [], {}
        for key in keys:
            message = self._message(key, kind)
            if message is None:
                failed[key] = "message not found"
            else:
                message["recalled"] = True
                success.append(key)
        self.state.notify()
        return json_response({"successResult": success, "failedResult": failed})

    async def oto_recall(self, request: web.Request) -> web.Response:
        """Recall 1:1 sends by processQueryKey."""
        return await self._recall(request, "oto")

    async def group_recall(self, request: web.Request) -> web.Response:
        """Recall group sends by processQueryKey."""
        return await self._recall(request, "group")

    async def file_download(self, request: web.Request) -> web.Response:
        """Turn a `downloadCode` from an incoming message into a download URL served by the emulator."""
        if denied := check_token(self.state, request):
            return denied
        body = await read_json_object(request)
        if body is None:
            return bad_body()
        code = body.get("downloadCode")
        if code not in self.state.files:
            return error_response(400, "invalidParameter.downloadCode", "unknown downloadCode")
        return json_response({"downloadUrl": f"{self.state.base_url}/files/{code}"})

    async def file_bytes(self, request: web.Request) -> web.Response:
        """The bytes behind a download URL."""
        data = self.state.files.get(request.match_info["code"])
        if data is None:
            return web.Response(status=404, text="no such file")
        return web.Response(body=data, content_type="application/octet-stream")

    async def media_upload(self, request: web.Request) -> web.Response:
        """oapi-style `POST /media/upload?access_token=&type=` (multipart `media` field)."""
        if not self.state.token_is_valid(request.query.get("access_token")):
            return json_response({"errcode": 40014, "errmsg": "不合法的access_token"}, status=401)
        form = await request.post()
        media = form.get("media")
        if not isinstance(media, web.FileField):
            return json_response({"errcode": 41001, "errmsg": "missing multipart field 'media'"}, status=400)
        media_id = "@emu" + secrets.token_urlsafe(12)
        content = media.file.read()
        media_type = request.query.get("type") or str(form.get("type") or "file")
        self.state.media[media_id] = {"type": media_type, "filename": media.filename, "bytes": content}
        self.state.notify()
        return json_response({"errcode": 0, "errmsg": "ok", "type": media_type, "media_id": media_id,
                              "created_at": self.state.now_ms()})

    async def standard_card_send(self, request: web.Request) -> web.Response:
        """`reply_card` (StandardCard): recorded in `cards` under its cardBizId."""
        if denied := check_token(self.state, request):
            return denied
        body = await read_json_object(request)
        if body is None or not body.get("cardBizId"):
            return error_response(400, "param.invalid", "body must be a JSON object with cardBizId")
        card = Card(out_track_id=body["cardBizId"], template_id=str(body.get("cardTemplateId")),
                    data={"cardData": str(body.get("cardData", ""))})
        space = body.get("openConversationId") or body.get("singleChatReceiver") or ""
        card.open_space_ids.append(str(space))
        self.state.cards[card.out_track_id] = card
        self.state.notify()
        return json_response({"processQueryKey": str(uuid.uuid4())})

    async def standard_card_update(self, request: web.Request) -> web.Response:
        """`update_card` (StandardCard) by cardBizId."""
        if denied := check_token(self.state, request):
            return denied
        body = await read_json_object(request) or {}
        card = self.state.cards.get(str(body.get("cardBizId")))
        if card is None:
            return error_response(400, "card.notExist", "unknown cardBizId")
        card.updates.append({"cardData": body.get("cardData")})
        card.data = {"cardData": str(body.get("cardData", ""))}
        self.state.notify()
        return json_response({"success": True})
