"""`DingTalkSender` against the emulator's OpenAPI: tokens, batching, groups, pacing and every failure class."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.dingtalk.openapi import DingTalkHttp
from adapters.dingtalk.pacing import SendPacer
from adapters.dingtalk.sender import BATCH_SEND_PATH, GROUP_SEND_PATH, DingTalkSender
from bot.messages import Card, CardAction, CardField, Reply, SentMessage, Target
from bot.ports import DeliveryError
from tests.adapters.dingtalk.conftest import FAST_TIMEOUTS
from tests.emulators.dingtalk import DingTalkEmulator

TOKEN_PATH = "/v1.0/oauth2/accessToken"
GROUP = "cidGroupEast=="
CARD = Card(title="阿里巴巴", subtitle="#7",
            fields=(CardField("负责人", "张三"), CardField("电话", "+8613900139000", sensitive=True)),
            actions=(CardAction("done", "完成", "done #7"),), customer_id=7)
REMINDER = Reply(text="**今日待跟进**\n- 阿里巴巴 10:00", card=CARD)


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def sender(dingtalk_emulator: DingTalkEmulator, ticker: Ticker) -> Iterator[DingTalkSender]:
    http = DingTalkHttp(endpoint=dingtalk_emulator.base_url, client_id=dingtalk_emulator.config.client_id,
                        client_secret=dingtalk_emulator.config.client_secret, timeouts=FAST_TIMEOUTS,
                        monotonic=ticker)
    yield DingTalkSender(http, robot_code=dingtalk_emulator.config.client_id,
                         pacer=SendPacer(18, 60.0, monotonic=ticker))
    http.close()


def calls(emulator: DingTalkEmulator, path: str) -> list[dict]:
    return [c for c in emulator.api_calls if c["path"] == path]


def dm(user: str) -> Target:
    return Target("dingtalk", "dingemucorp0001", user=user)


def test_dm_goes_through_batch_send_as_a_markdown_template(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    sent = sender.send(dm("rep001"), REMINDER)
    [message] = dingtalk_emulator.robot_messages
    assert message["kind"] == "oto" and message["userIds"] == ["rep001"]
    assert message["msgKey"] == "sampleMarkdown"
    assert message["msgParam"]["title"] == "今日待跟进"
    assert "+8613900139000" in message["msgParam"]["text"]  # a DM shows the full card
    assert "dtmd://dingtalkclient/sendMessage?content=done%20%237" in message["msgParam"]["text"]
    [call] = calls(dingtalk_emulator, BATCH_SEND_PATH)
    assert isinstance(call["body"]["msgParam"], str)  # a JSON string, never an object
    assert call["headers"]["x-acs-dingtalk-access-token"].startswith("emu")
    assert sent == SentMessage("dingtalk", "dingemucorp0001", "rep001", message["processQueryKey"])


def test_a_staff_id_as_the_channel_is_a_dm(sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator) -> None:
    sender.send(Target("dingtalk", "corp", channel="rep002"), Reply(text="hi"))
    assert dingtalk_emulator.robot_messages[0]["userIds"] == ["rep002"]


def test_token_is_fetched_once_and_renewed_before_it_expires(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator, ticker: Ticker
) -> None:
    for _ in range(3):
        sender.send(dm("rep001"), Reply(text="hi"))
    assert len(calls(dingtalk_emulator, TOKEN_PATH)) == 1
    ticker.advance(7200 - 300 - 1)  # still inside the 5-minute safety margin
    sender.send(dm("rep001"), Reply(text="hi"))
    assert len(calls(dingtalk_emulator, TOKEN_PATH)) == 1
    ticker.advance(2)
    sender.send(dm("rep001"), Reply(text="hi"))
    assert len(calls(dingtalk_emulator, TOKEN_PATH)) == 2


def test_a_401_refreshes_the_token_once_and_retries(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    sender.send(dm("rep001"), Reply(text="first"))
    dingtalk_emulator.expire_token()  # DingTalk revoked it early; our cache still thinks it is valid
    sender.send(dm("rep001"), Reply(text="second"))
    assert len(calls(dingtalk_emulator, TOKEN_PATH)) == 2
    assert [m["msgParam"]["text"] for m in dingtalk_emulator.robot_messages] == ["first", "second"]
    statuses = [c["headers"]["x-acs-dingtalk-access-token"] for c in calls(dingtalk_emulator, BATCH_SEND_PATH)]
    assert len(statuses) == 3 and statuses[1] != statuses[2]


def test_a_401_that_a_fresh_token_does_not_fix_is_permanent(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    dingtalk_emulator.fail_next(BATCH_SEND_PATH, 401, times=2)
    with pytest.raises(DeliveryError) as caught:
        sender.send(dm("rep001"), Reply(text="hi"))
    assert caught.value.permanent
    assert len(calls(dingtalk_emulator, TOKEN_PATH)) == 2


def test_more_than_20_users_are_sent_in_batches(sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator) -> None:
    users = [f"rep{i:03d}" for i in range(45)]
    result = sender.send_to_users(users, Reply(text="周报"))
    batches = [c["body"]["userIds"] for c in calls(dingtalk_emulator, BATCH_SEND_PATH)]
    assert [len(b) for b in batches] == [20, 20, 5]
    assert sum(batches, []) == users
    assert result.delivered == tuple(users) and len(result.process_query_keys) == 3
    assert not result.retry and not result.permanent


def test_flow_controlled_users_are_retried_later_and_invalid_ones_never(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    dingtalk_emulator.set_flow_controlled_users({"rep002"})
    dingtalk_emulator.set_invalid_users({"gone01"})
    result = sender.send_to_users(["rep001", "rep002", "gone01"], Reply(text="提醒"))
    assert result.delivered == ("rep001",)
    assert result.retry == ("rep002",) and result.retry_after == 60.0
    assert result.permanent is not None and list(result.permanent) == ["gone01"]

    with pytest.raises(DeliveryError) as throttled:
        sender.send(dm("rep002"), Reply(text="提醒"))
    assert not throttled.value.permanent and throttled.value.retry_after == 60.0
    with pytest.raises(DeliveryError) as invalid:
        sender.send(dm("gone01"), Reply(text="提醒"))
    assert invalid.value.permanent


@pytest.mark.parametrize(("status", "permanent", "retry_after"), [
    (429, False, 60.0), (503, False, 30.0), (403, True, None), (400, True, None),
])
def test_http_failures_are_classified(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator, status: int, permanent: bool,
    retry_after: float | None,
) -> None:
    dingtalk_emulator.fail_next(BATCH_SEND_PATH, status)
    with pytest.raises(DeliveryError) as caught:
        sender.send(dm("rep001"), Reply(text="hi"))
    assert caught.value.permanent is permanent
    assert caught.value.retry_after == retry_after


def test_throttle_codes_in_a_400_mean_retry(sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator) -> None:
    dingtalk_emulator.fail_next(GROUP_SEND_PATH, 400, {"code": "send.byToken.tooFast", "message": "too fast"})
    dingtalk_emulator.register_group(GROUP, "华东销售群")
    with pytest.raises(DeliveryError) as caught:
        sender.send(Target("dingtalk", "corp", channel=GROUP), Reply(text="hi"))
    assert not caught.value.permanent and caught.value.retry_after == 60.0


def test_group_send_redacts_the_card_and_has_no_quick_links(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    dingtalk_emulator.register_group(GROUP, "华东销售群")
    sent = sender.send(Target("dingtalk", "corp", channel=GROUP), REMINDER)
    [message] = dingtalk_emulator.robot_messages
    assert message["kind"] == "group" and message["openConversationId"] == GROUP
    assert "张三" in message["msgParam"]["text"]
    assert "13900139000" not in message["msgParam"]["text"] and "dtmd://" not in message["msgParam"]["text"]
    assert sent.channel == GROUP and sent.message_id == message["processQueryKey"]


def test_unknown_group_is_permanent(sender: DingTalkSender) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender.send(Target("dingtalk", "corp", channel="cidNeverSeen=="), Reply(text="hi"))
    assert caught.value.permanent


def test_group_sends_are_paced_to_18_a_minute(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator, ticker: Ticker
) -> None:
    dingtalk_emulator.register_group(GROUP, "华东销售群")
    target = Target("dingtalk", "corp", channel=GROUP)
    for i in range(18):
        sender.send(target, Reply(text=f"生日提醒 {i}"))
        ticker.advance(1)
    with pytest.raises(DeliveryError) as caught:
        sender.send(target, Reply(text="one too many"))
    assert not caught.value.permanent
    assert caught.value.retry_after == pytest.approx(60 - 18)
    assert len(calls(dingtalk_emulator, GROUP_SEND_PATH)) == 18  # the 19th never left
    ticker.advance(caught.value.retry_after)
    sender.send(target, Reply(text="now it fits"))
    assert len(dingtalk_emulator.robot_messages) == 19


def test_a_huge_group_message_is_split_within_15000_bytes(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    dingtalk_emulator.register_group(GROUP, "华东销售群")
    digest = "\n".join(f"- 客户 {i} " + "跟进内容" * 30 for i in range(70))
    sender.send(Target("dingtalk", "corp", channel=GROUP), Reply(text=digest))
    bodies = [c["body"]["msgParam"] for c in calls(dingtalk_emulator, GROUP_SEND_PATH)]
    assert len(bodies) == 2
    assert all(len(b.encode("utf-8")) <= 15000 for b in bodies)
    titles = [m["msgParam"]["title"] for m in dingtalk_emulator.robot_messages]
    assert [t[-5:] for t in titles] == ["(1/2)", "(2/2)"]
    texts = [m["msgParam"]["text"] for m in dingtalk_emulator.robot_messages]
    assert "\n".join(texts) == digest  # nothing lost, nothing cut mid-line


def test_update_posts_the_new_version_to_the_same_conversation(
    sender: DingTalkSender, dingtalk_emulator: DingTalkEmulator
) -> None:
    dingtalk_emulator.register_group(GROUP, "华东销售群")
    sent = sender.send(Target("dingtalk", "corp", channel=GROUP), Reply(card=CARD))
    sender.update(sent, Reply(card=CARD, text="已更新"))
    assert [m["openConversationId"] for m in dingtalk_emulator.robot_messages] == [GROUP, GROUP]


def test_a_target_without_user_or_group_is_refused(sender: DingTalkSender) -> None:
    with pytest.raises(DeliveryError, match="names no user or group") as caught:
        sender.send(Target("dingtalk", "corp"), Reply(text="hi"))
    assert caught.value.permanent
