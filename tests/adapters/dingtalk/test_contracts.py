"""Contracts through the real DingTalk SDK: recorded in Chinese in a DM, renewed, listed, and refused clearly."""

from __future__ import annotations

from typing import Any

from adapters.dingtalk.service import DingTalkService
from tests.adapters.dingtalk.test_conversations import ask
from tests.emulators.dingtalk import DingTalkEmulator


def test_a_contract_recorded_renewed_and_listed_in_chinese(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴", sender_nick="张三")
    text = ask(dingtalk_emulator, "合同 阿里巴巴 年度服务合同 金额:一万二 开始:2026-01-01 结束:2026-12-31",
               sender_nick="张三")["markdown"]["text"]
    assert "记录合同 **C1**" in text and "2026-01-01 至 2026-12-31" in text
    text = ask(dingtalk_emulator, "续约 C1", sender_nick="张三")["markdown"]["text"]
    assert "续约为 **C2**" in text and "2027-01-01 至 2027-12-31" in text
    text = ask(dingtalk_emulator, "合同列表", sender_nick="张三")["markdown"]["text"]
    assert "**C2**" in text and "**C1**" not in text  # the renewed one is no longer in force
    text = ask(dingtalk_emulator, "合同 阿里巴巴 支持 开始:2026-12-01 结束:2026-11-01", sender_nick="张三")
    assert "结束日期 2026-11-01 早于开始日期 2026-12-01" in text["markdown"]["text"]
