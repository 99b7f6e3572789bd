"""The DingTalk emulator's HTTP side, called the way the production adapter calls it: access tokens,
robot batchSend / group send / readStatus / recall, card instances, injected failures, media upload,
sessionWebhook expiry and custom-robot signing and rate limits.

Each test proves a DingTalk behaviour the adapter relies on: status codes, error codes and bodies, and
the messages, cards and media the emulator records afterwards.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.emulators.dingtalk import DingTalkEmulator
from tests.emulators.dingtalk_payloads import custom_robot_sign


def fetch_token(emu: DingTalkEmulator) -> str:
    response = requests.post(f"{emu.base_url}/v1.0/oauth2/accessToken", timeout=5,
                             json={"appKey": emu.config.client_id, "appSecret": emu.config.client_secret})
    assert response.status_code == 200, response.text
    assert response.json()["expireIn"] == 7200
    return response.json()["accessToken"]


def openapi(emu: DingTalkEmulator, path: str, body: dict[str, Any], token: str) -> requests.Response:
    return requests.post(f"{emu.base_url}{path}", json=body, headers={"x-acs-dingtalk-access-token": token},
                         timeout=5)


# ---- cards ----------------------------------------------------------------------------------------


def test_card_param_map_values_must_be_strings(dingtalk_emulator: DingTalkEmulator) -> None:
    body = {"cardTemplateId": "t.schema", "outTrackId": "cust-42", "openSpaceId": "dtv1.card//IM_ROBOT.rep001",
            "cardData": {"cardParamMap": {"overdue": 3}}}
    response = openapi(dingtalk_emulator, "/v1.0/card/instances/createAndDeliver", body, fetch_token(dingtalk_emulator))
    assert response.status_code == 400 and response.json()["code"] == "param.invalid"
    assert "overdue" in response.json()["message"] and dingtalk_emulator.cards == {}


# ---- proactive OpenAPI ----------------------------------------------------------------------------


def test_batch_send_reports_invalid_and_flow_controlled_users(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    emu.set_invalid_users({"ghost"})
    emu.set_flow_controlled_users({"busy"})
    body = {"robotCode": emu.config.client_id, "userIds": ["rep001", "ghost", "busy"], "msgKey": "sampleMarkdown",
            "msgParam": json.dumps({"title": "今日待跟进", "text": "### 3 个客户"}, ensure_ascii=False)}
    response = openapi(emu, "/v1.0/robot/oToMessages/batchSend", body, fetch_token(emu))
    assert response.status_code == 200
    assert response.json()["processQueryKey"]
    assert (response.json()["invalidStaffIdList"], response.json()["flowControlledStaffIdList"]) == (["ghost"], ["busy"])
    (sent,) = emu.robot_messages
    assert sent["userIds"] == ["rep001"] and sent["msgParam"]["title"] == "今日待跟进"


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"msgParam": {"content": "object, not a JSON string"}}, 400, "invalidParameter.msgParam.invalid"),
    ({"msgParam": json.dumps({"text": "no content key"})}, 400, "invalidParameter.msgParam.invalid"),
    ({"msgKey": "sampleNope"}, 400, "invalidParameter.msgKey.invalid"),
    ({"userIds": [f"rep{i:03}" for i in range(21)]}, 400, "invalidParameter.userIds.overMax"),
    ({"robotCode": "someone-else"}, 400, "invalidParameter.robotCode.notExsit"),
    ({"token": "not-a-token"}, 401, "InvalidAuthentication"),
])
def test_batch_send_rejects_bad_requests(
    dingtalk_emulator: DingTalkEmulator, change: dict[str, Any], status: int, code: str
) -> None:
    emu = dingtalk_emulator
    body = {"robotCode": emu.config.client_id, "userIds": ["rep001"], "msgKey": "sampleText",
            "msgParam": json.dumps({"content": "提醒"}), **change}
    token = body.pop("token", None) or fetch_token(emu)
    response = openapi(emu, "/v1.0/robot/oToMessages/batchSend", body, token)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert set(response.json()) == {"requestid", "code", "message"} and emu.robot_messages == []


def test_expired_token_gets_401(dingtalk_emulator: DingTalkEmulator) -> None:
    token = fetch_token(dingtalk_emulator)
    dingtalk_emulator.expire_token(token)
    body = {"robotCode": dingtalk_emulator.config.client_id, "userIds": ["rep001"], "msgKey": "sampleText",
            "msgParam": json.dumps({"content": "x"})}
    assert openapi(dingtalk_emulator, "/v1.0/robot/oToMessages/batchSend", body, token).status_code == 401


def test_group_send_needs_a_group_the_robot_is_in(dingtalk_emulator: DingTalkEmulator) -> None:
    emu, token = dingtalk_emulator, fetch_token(dingtalk_emulator)
    known = emu.build_bot_message("hi", conversation_type="2")["conversationId"]  # learnt from a callback
    body = {"robotCode": emu.config.client_id, "msgKey": "sampleText", "msgParam": json.dumps({"content": "日报"})}
    unknown = openapi(emu, "/v1.0/robot/groupMessages/send", {**body, "openConversationId": "cidNOPE=="}, token)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalidParameter.robotCode.notExsit")
    ok = openapi(emu, "/v1.0/robot/groupMessages/send", {**body, "openConversationId": known}, token)
    assert ok.status_code == 200 and ok.json()["processQueryKey"]
    huge = json.dumps({"content": "长" * 5001}, ensure_ascii=False)  # 15003+ bytes of UTF-8
    too_big = openapi(emu, "/v1.0/robot/groupMessages/send", {**body, "openConversationId": known, "msgParam": huge},
                      token)
    assert (too_big.status_code, too_big.json()["code"]) == (400, "invalidParameter.msgParam.invalid")
    assert [m["openConversationId"] for m in emu.robot_messages] == [known]


def test_read_status_and_recall_follow_a_batch_send(dingtalk_emulator: DingTalkEmulator) -> None:
    emu, token = dingtalk_emulator, fetch_token(dingtalk_emulator)
    body = {"robotCode": emu.config.client_id, "userIds": ["rep001"], "msgKey": "sampleText",
            "msgParam": json.dumps({"content": "提醒"})}
    key = openapi(emu, "/v1.0/robot/oToMessages/batchSend", body, token).json()["processQueryKey"]
    status = requests.get(f"{emu.base_url}/v1.0/robot/oToMessages/readStatus", timeout=5,
                          params={"robotCode": emu.config.client_id, "processQueryKey": key},
                          headers={"x-acs-dingtalk-access-token": token})
    assert status.json()["messageReadInfoList"] == [{"name": "rep001", "userId": "rep001", "readStatus": "UNREAD"}]
    recall = openapi(emu, "/v1.0/robot/otoMessages/batchRecall",
                     {"robotCode": emu.config.client_id, "processQueryKeys": [key, "nope"]}, token)
    assert recall.json()["successResult"] == [key] and "nope" in recall.json()["failedResult"]
    assert emu.robot_messages[0]["recalled"] is True


def test_injected_failures_are_one_shot(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    emu.fail_next("/v1.0/oauth2/accessToken", 503)
    emu.throttle_next("/v1.0/oauth2/accessToken")
    creds = {"appKey": emu.config.client_id, "appSecret": emu.config.client_secret}
    url = f"{emu.base_url}/v1.0/oauth2/accessToken"
    statuses = [requests.post(url, json=creds, timeout=5) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 429, 200]
    assert statuses[1].json()["code"] == "send.too.fast"


def test_media_upload_takes_the_token_in_the_query(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    files = {"media": ("quote.png", b"\x89PNG", "image/png")}
    url = f"{emu.base_url}/media/upload"
    denied = requests.post(url, params={"access_token": "nope", "type": "image"}, files=files, timeout=5)
    assert denied.status_code == 401
    ok = requests.post(url, params={"access_token": fetch_token(emu), "type": "image"}, files=files, timeout=5)
    assert ok.json()["errcode"] == 0 and emu.media[ok.json()["media_id"]]["bytes"] == b"\x89PNG"


# ---- webhooks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dingtalk_emulator", [{"session_webhook_ttl": 60}], indirect=True)
def test_session_webhook_expires(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    first, second = emu.build_bot_message("a"), emu.build_bot_message("b")
    assert first["sessionWebhookExpiredTime"] - first["createAt"] == 60_000
    reply: dict[str, Any] = {"msgtype": "text", "text": {"content": "ok"}}
    assert requests.post(first["sessionWebhook"], json=reply, timeout=5).json() == {"errcode": 0, "errmsg": "ok"}
    emu.expire_session(first["sessionWebhook"])
    assert requests.post(first["sessionWebhook"], json=reply, timeout=5).json()["errcode"] == 300002
    emu.advance_clock(61)
    assert requests.post(second["sessionWebhook"], json=reply, timeout=5).json()["errcode"] == 300002
    assert len(emu.session_replies) == 1


def test_custom_robot_checks_sign_and_allows_20_per_minute(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    url = emu.register_custom_robot("robot-token", secret="SECabc")
    body: dict[str, Any] = {"msgtype": "text", "text": {"content": "今日战报"}}

    def send(sign_secret: str = "SECabc") -> dict[str, Any]:
        ts = emu.state.now_ms()
        params: dict[str, Any] = {"timestamp": ts, "sign": custom_robot_sign(sign_secret, ts)}  # requests URL-encodes the sign
        return requests.post(url, params=params, json=body, timeout=5).json()

    assert send("wrong")["errcode"] == 310000
    assert [send()["errcode"] for _ in range(21)] == [0] * 20 + [130101]
    emu.advance_clock(61)
    assert send()["errcode"] == 0 and len(emu.custom_robot_messages) == 21


@pytest.mark.parametrize("dingtalk_emulator", [{"custom_robot_penalty": 600}], indirect=True)
def test_custom_robot_over_the_limit_stays_throttled_for_the_penalty(dingtalk_emulator: DingTalkEmulator) -> None:
    emu = dingtalk_emulator
    url = emu.register_custom_robot("plain-token")  # no secret: keyword/IP-protected robots skip the sign

    def send() -> int:
        return requests.post(url, json={"msgtype": "text", "text": {"content": "战报"}}, timeout=5).json()["errcode"]

    assert [send() for _ in range(21)][-2:] == [0, 130101]
    emu.advance_clock(61)
    assert send() == 130101
    emu.advance_clock(600)
    assert send() == 0
