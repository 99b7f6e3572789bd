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
