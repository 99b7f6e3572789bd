"""`查重` on DingTalk: each likely pair carries a 合并 quick link, and sending it merges the pair."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from adapters.dingtalk.service import DingTalkService
from storage.models import Customer
from tests.adapters.dingtalk.test_conversations import ask, quick_commands
from tests.emulators.dingtalk import DingTalkEmulator


def test_the_merge_link_merges_the_pair(dingtalk_service: DingTalkService, dingtalk_emulator: DingTalkEmulator,
                                        engine: Any) -> None:
    ask(dingtalk_emulator, "新建 阿里巴巴 电话:13800138000")
    ask(dingtalk_emulator, "新建 阿里巴巴有限公司 电话:13800138000 确认:是")
    pushed = dingtalk_emulator.send_bot_message("查重")
    msg_id = pushed["data"]["msgId"]

    def answered() -> list[dict[str, Any]] | None:
        replies = [r for r in dingtalk_emulator.session_replies if r["msgId"] == msg_id]
        links = [sent for r in replies if "markdown" in r["body"]
                 for sent in quick_commands(r["body"]["markdown"]["text"]) if "⟦merge" in sent]
        return replies if links else None

    replies = dingtalk_emulator.wait_for(answered, 10, "the pair with its merge link")
    texts = [r["body"]["markdown"]["text"] for r in replies if "markdown" in r["body"]]
    links = [sent for text in texts for sent in quick_commands(text) if "⟦merge" in sent]
    assert links == ["合并 ⟦merge?keep=1&drop=2⟧"], texts
    answer = ask(dingtalk_emulator, links[0])["markdown"]["text"]
    assert "已把" in answer and "合并到" in answer
    with Session(engine) as session:
        assert session.get(Customer, 2).merged_into_id == 1
