"""The core's `Sender` port for DingTalk: pushes through the robot OpenAPI.

- 1:1: `POST /v1.0/robot/oToMessages/batchSend`, at most 20 staff ids per call;
- group: `POST /v1.0/robot/groupMessages/send` to an `openConversationId` (the `conversationId` of a group
  callback, which always starts with `cid`), paced to 18 per minute per group;
- content: the `sampleMarkdown` template, `msgParam` a JSON *string* of at most 15000 bytes (longer
  messages are split into numbered parts, and cut past three parts);
- failures raise `bot.ports.DeliveryError`: throttling and outages with `retry_after`, everything that will
  never work (user not in the org, unknown group, missing permission, bad credentials) as `permanent`.

Cards pushed into groups always lose their sensitive fields and carry no quick links (clicking one in a
group would not reach the robot); DMs get the full card with links.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.dingtalk.markdown import RenderedMessage, render_pages
from adapters.dingtalk.openapi import DingTalkApiError, DingTalkHttp, Failure
from adapters.dingtalk.pacing import SendPacer, SharedSendPacer
from adapters.dingtalk.platform import DINGTALK, PLATFORM
from bot.delivery import for_audience
from bot.messages import Reply, SentMessage, Target
from bot.ports import DeliveryError

log = logging.getLogger("crmbot.dingtalk.sender")

BATCH_SEND_PATH = "/v1.0/robot/oToMessages/batchSend"
GROUP_SEND_PATH = "/v1.0/robot/groupMessages/send"
MAX_USERS_PER_CALL = 20
MAX_MSG_PARAM_BYTES = 15000
GROUP_ID_PREFIX = "cid"
FLOW_CONTROL_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class BatchResult:
    """What a 1:1 batch send did, per user: delivered, to retry later, or never deliverable."""

    delivered: tuple[str, ...] = ()
    process_query_keys: tuple[str, ...] = ()
    # Flow-controlled users and users whose call failed for a passing reason; retry after `retry_after` s.
    retry: tuple[str, ...] = ()
    retry_after: float | None = None
    # Users not in the org (`invalidStaffIdList`) or whose call failed for good, with the reason.
    permanent: dict[str, str] | None = None


def is_group_id(channel: str | None) -> bool:
    """Whether a channel names a DingTalk group (`cid…`) rather than a user's staff id."""
    return channel is not None and channel.startswith(GROUP_ID_PREFIX)


def delivery_error(error: DingTalkApiError, where: str) -> DeliveryError:
    """The `DeliveryError` for a failed DingTalk call: retryable for throttling and outages, else permanent."""
    if error.failure in (Failure.THROTTLED, Failure.UNAVAILABLE):
        default = FLOW_CONTROL_RETRY_AFTER if error.failure is Failure.THROTTLED else 30.0
        return DeliveryError(f"DingTalk {where}: {error}", retry_after=error.retry_after or default)
    return DeliveryError(f"DingTalk {where}: {error}", permanent=True)


class DingTalkSender:
    """Pushes replies to DingTalk users and groups through the robot OpenAPI."""

    platform = PLATFORM
    capabilities = DINGTALK.capabilities

    def __init__(
        self,
        http: DingTalkHttp,
        *,
        robot_code: str,
        pacer: SendPacer | SharedSendPacer | None = None,
        max_msg_param_bytes: int = MAX_MSG_PARAM_BYTES,
    ) -> None:
        self.http = http
        self.robot_code = robot_code
        self.pacer = pacer or SendPacer()
        self.max_msg_param_bytes = max_msg_param_bytes

    # ---- the Sender port ---------------------------------------------------------------------------

    def send(self, target: Target, reply: Reply) -> SentMessage:
        """Post `reply` to a group (`target.channel` = `cid…`) or a user (`target.user`, or a staff id as the
        channel); returns the message with DingTalk's `processQueryKey` as its id.

        Raises `DeliveryError`: `retry_after` when throttled or DingTalk is unreachable, `permanent` when the
        user is not in the org, the robot is not in the group, or the app lacks the permission.
        """
        if target.channel is not None and is_group_id(target.channel):
            key = self.send_to_group(target.channel, reply)
            return SentMessage(PLATFORM, target.workspace, target.channel, key)
        user = target.user or target.channel
        if not user:
            raise DeliveryError(f"DingTalk target {target.key()} names no user or group", permanent=True)
        result = self.send_to_users([user], reply)
        if result.permanent:
            raise DeliveryError(f"DingTalk 1:1 to {user}: {result.permanent[user]}", permanent=True)
        if result.retry:
            raise DeliveryError(f"DingTalk 1:1 to {user} is flow-controlled", retry_after=result.retry_after)
        return SentMessage(PLATFORM, target.workspace, user, result.process_query_keys[0])

    def update(self, message: SentMessage, reply: Reply) -> None:
        """Show the new version of an earlier message.

        Markdown robot messages cannot be edited in place (only interactive cards can), so the new version
        is posted to the same conversation. Raises `DeliveryError` like `send`.
        """
        target = Target(PLATFORM, message.workspace, channel=message.channel)
        self.send(target, reply)

    # ---- explicit operations -----------------------------------------------------------------------

    def send_to_users(self, user_ids: Iterable[str], reply: Reply) -> BatchResult:
        """Send `reply` to each staff id as a 1:1 message, 20 users per call.

        Never raises for individual users: the result lists who got it, who to retry after `retry_after`
        seconds (flow control, outages), and who can never get it (with the reason).
        """
        users = list(dict.fromkeys(u for u in user_ids if u))
        if not users:
            raise ValueError("send_to_users needs at least one staff id")
        parts = self._parts(reply, quick_actions=True)
        delivered: list[str] = []
        keys: list[str] = []
        retry: list[str] = []
        permanent: dict[str, str] = {}
        retry_after: float | None = None
        for chunk in _chunks(users, MAX_USERS_PER_CALL):
            try:
                answers = [self._batch_send(chunk, part) for part in parts]
            except DingTalkApiError as exc:
                failure = delivery_error(exc, "1:1 batch")
                if failure.permanent:
                    permanent.update(dict.fromkeys(chunk, str(failure)))
                else:
                    retry.extend(chunk)
                    retry_after = max(retry_after or 0.0, failure.retry_after or 0.0)
                continue
            first: dict[str, Any] = answers[0]
            invalid = set(first.get("invalidStaffIdList") or [])
            throttled = set(first.get("flowControlledStaffIdList") or []) - invalid
            permanent.update(dict.fromkeys(sorted(invalid), "not a member of the organisation (invalidStaffIdList)"))
            if throttled:
                retry.extend(u for u in chunk if u in throttled)
                retry_after = max(retry_after or 0.0, FLOW_CONTROL_RETRY_AFTER)
            delivered.extend(u for u in chunk if u not in invalid and u not in throttled)
            keys.extend(str(a.get("processQueryKey", "")) for a in answers)
        if permanent or retry:
            log.warning("DingTalk 1:1 send: %d delivered, %d to retry, %d undeliverable",
                        len(delivered), len(retry), len(permanent))
        return BatchResult(tuple(delivered), tuple(keys), tuple(retry), retry_after, permanent or None)

    def send_to_group(self, open_conversation_id: str, reply: Reply) -> str:
        """Post `reply` (card redacted, no quick links) to a group; returns the first part's processQueryKey.

        Raises `DeliveryError(retry_after=…)` when the group's pace is used up or DingTalk throttles, and
        `DeliveryError(permanent=True)` when the robot is not in the group.
        """
        if not is_group_id(open_conversation_id):
            raise DeliveryError(f"{open_conversation_id!r} is not a DingTalk group id", permanent=True)
        public = for_audience(reply, seen_by_others=True)
        parts = self._parts(public, quick_actions=False)
        wait = self.pacer.reserve(open_conversation_id, len(parts))
        if wait:
            raise DeliveryError(f"DingTalk group {open_conversation_id} is at its send pace", retry_after=wait)
        keys = []
        for part in parts:
            body = {"robotCode": self.robot_code, "openConversationId": open_conversation_id,
                    **self._markdown_template(part)}
            try:
                answer = self.http.call("POST", GROUP_SEND_PATH, body)
            except DingTalkApiError as exc:
                raise delivery_error(exc, f"group send to {open_conversation_id}") from exc
            keys.append(str(answer.get("processQueryKey", "")))
        return keys[0]

    # ---- helpers -----------------------------------------------------------------------------------

    def _parts(self, reply: Reply, *, quick_actions: bool, seen_by_others: bool = False) -> list[RenderedMessage]:
        return render_pages(reply, quick_actions=quick_actions, seen_by_others=seen_by_others,
                            max_bytes=self.max_msg_param_bytes)

    def _batch_send(self, users: Sequence[str], part: RenderedMessage) -> dict[str, object]:
        body = {"robotCode": self.robot_code, "userIds": list(users), **self._markdown_template(part)}
        return self.http.call("POST", BATCH_SEND_PATH, body)

    @staticmethod
    def _markdown_template(part: RenderedMessage) -> dict[str, str]:
        # msgParam is a JSON *string*; a JSON object is rejected with 400.
        return {"msgKey": "sampleMarkdown",
                "msgParam": json.dumps({"title": part.title, "text": part.text}, ensure_ascii=False)}


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
