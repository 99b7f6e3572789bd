"""Long answers page instead of being cut: the first screen ends with where it is and a 更多 link; the link
shows the next screen, through the real SDK, in the person's language, until the last."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.dingtalk.service import DingTalkService
from bot import screens
from bot.render import unescape_md
from tests.adapters.dingtalk.test_conversations import ask, quick_commands
from tests.emulators.dingtalk import DingTalkEmulator


@pytest.fixture(autouse=True)
def _small_screens(monkeypatch: pytest.MonkeyPatch) -> None:
    # A screen of about 1,000 characters, so `help` takes several.
    monkeypatch.setattr(screens, "SCREEN_SHARE", 40)


def test_help_pages_through_every_screen_with_the_more_link(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    first = ask(dingtalk_emulator, "帮助")["markdown"]["text"]
    assert "第 1/" in first and "下一屏" in first
    [more] = [sent for sent in quick_commands(first) if "⟦more" in sent]
    assert more.startswith("更多 ⟦more?screen=2&command=")
    seen, text, screen = [first], first, 1
    while "最后一屏" not in text:
        [more] = [sent for sent in quick_commands(text) if "⟦more" in sent]
        text = ask(dingtalk_emulator, more)["markdown"]["text"]
        screen += 1
        assert f"第 {screen}/" in text and "Screen" not in text
        seen.append(text)
        assert screen < 20
    whole = unescape_md("\n".join(seen))
    for word in ("新建", "跟进", "查找", "群信息"):  # every command is listed on one of the screens
        assert word in whole


def test_typed_more_works_and_never_reruns_a_command_that_writes(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, engine: Any
) -> None:
    assert "Screen 2 of" in ask(dingtalk_emulator, "more 2 help")["markdown"]["text"]
    refused = ask(dingtalk_emulator, "更多 2 新建 阿里巴巴")["markdown"]["text"]
    assert "不能为了翻屏而重新执行" in refused
    assert "阿里巴巴（#1）" not in refused


def test_the_emulator_refuses_a_markdown_answer_dingtalk_would_refuse() -> None:
    from tests.emulators.dingtalk_webhooks import MAX_MARKDOWN_BYTES, robot_body_problem

    fits = {"msgtype": "markdown", "markdown": {"title": "t", "text": "很" * 4900}}
    assert robot_body_problem(fits) is None
    over = {"msgtype": "markdown", "markdown": {"title": "t", "text": "很" * (MAX_MARKDOWN_BYTES // 3 + 1)}}
    assert "exceed" in (robot_body_problem(over) or "")


def test_a_long_chinese_answer_reaches_dingtalk_within_its_limits(
    dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens, "SCREEN_SHARE", 1)  # screens as large as the pages: DingTalk's own limit binds
    ask(dingtalk_emulator, "新建 阿里巴巴")
    ask(dingtalk_emulator, "跟进 阿里巴巴 " + "客户反馈很好，" * 550)  # about 12,000 bytes of note
    pushed = dingtalk_emulator.send_bot_message("跟进记录 阿里巴巴")
    def shown() -> str:
        return "".join(r["body"]["markdown"]["text"] for r in dingtalk_emulator.session_replies
                       if r["msgId"] == pushed["data"]["msgId"])

    # Every page was accepted by the session webhook (none fell back to the robot API), the note in full.
    dingtalk_emulator.wait_for(lambda: shown().count("客户反馈很好") >= 550, 10, "the whole note")
    assert all(c["path"] != "/v1.0/robot/oToMessages/batchSend" for c in dingtalk_emulator.state.api_calls)
