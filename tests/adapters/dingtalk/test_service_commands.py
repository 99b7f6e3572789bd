"""Tickets, segments and campaigns through DingTalk's stream with the real SDK, answered as markdown."""

from __future__ import annotations

from typing import Any

from adapters.dingtalk.service import DingTalkService
from tests.adapters.dingtalk.test_conversations import ask
from tests.emulators.dingtalk import DingTalkEmulator


def test_a_chinese_complaint_segment_and_campaign_in_dingtalk(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴 等级:VIP 地区:华东", sender_nick="张三")
    body = ask(dingtalk_emulator, "投诉 阿里巴巴 货物破损 优先级:高", sender_nick="张三")
    assert body["msgtype"] == "markdown" and "开立工单 **T1**（投诉，优先级高）" in body["markdown"]["text"]
    listing = ask(dingtalk_emulator, "分群 华东大客户 等级:VIP 地区:华东", sender_nick="张三")["markdown"]["text"]
    assert "共 **1** 位客户" in listing and "阿里巴巴" in listing
    started = ask(dingtalk_emulator, "活动 华东大客户 电话介绍新品", sender_nick="张三")["markdown"]["text"]
    assert "已为 1 位客户的负责人安排下一步“电话介绍新品”" in started
    closed = ask(dingtalk_emulator, "解决 T1 已换货", sender_nick="张三")["markdown"]["text"]
    assert "已解决 **T1**" in closed
