"""Core replies rendered as DingTalk markdown: safe user text, the customer card, quick links, long texts."""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import parse_qs, urlparse

from adapters.dingtalk.markdown import (
    QUICK_LINK_BASE,
    RenderedMessage,
    msg_param_bytes,
    render_card,
    render_pages,
    render_reply,
    to_dingtalk,
)
from bot.messages import Card, CardAction, CardField, Reply
from bot.render import escape_md, unescape_md

CARD = Card(
    title="阿里巴巴",
    subtitle="#12",
    fields=(CardField("负责人", "张三"), CardField("电话", "+8613900139000", sensitive=True)),
    sections=(("最近跟进", "- 11-18 电话 · 张三: 已报价"), ("流失风险", "已经 45 天没有联系")),
    actions=(
        CardAction("log", "记录跟进", "log #12 "),
        CardAction("done", "完成", "done #12"),
        CardAction("snooze", "稍后提醒", "snooze #12 1d"),
        CardAction("details", "详情", "followups #12"),
    ),
    customer_id=12,
)


def quick_commands(markdown: str) -> list[str]:
    """The commands the `dtmd://` links in `markdown` make the client send."""
    commands = []
    for chunk in markdown.split(QUICK_LINK_BASE)[1:]:
        url = QUICK_LINK_BASE + chunk.split(")", 1)[0]
        commands.append(parse_qs(urlparse(url).query)["content"][0])
    return commands


def test_core_markers_become_dingtalk_markers() -> None:
    assert to_dingtalk("**已创建** _ok_") == "**已创建** *ok*"
    assert to_dingtalk("- a\n- b\n> quote\nline") == "- a\n- b\n\n> quote\n\nline"


def test_user_text_cannot_format_link_or_mention() -> None:
    hostile = "*加粗* [点我](http://x) <font color=red>红</font> @所有人 _x_ a|b"
    rendered = to_dingtalk(f"客户 **{escape_md(hostile)}**")
    assert rendered == ("客户 **\\*加粗\\* \\[点我\\](http://x) \\<font color=red\\>红\\</font\\> @所有人 \\_x\\_ a\\|b**")
    # Each special character is escaped once (a backslash, which DingTalk reads as "literally"), nothing else.
    assert unescape_md(rendered.removeprefix("客户 **").removesuffix("**")) == hostile


def test_text_shows_exactly_as_typed_without_look_alikes_or_invisible_characters() -> None:
    typed = "john_doe@acme.com 〔报价〕 #12 50% ~约~ `code` 〈好〉"
    rendered = to_dingtalk(f"邮箱: {escape_md(typed)}")
    assert rendered == "邮箱: john\\_doe@acme.com 〔报价〕 #12 50% ~约~ `code` 〈好〉".replace("`code`", "`code`")
    assert unescape_md(rendered) == f"邮箱: {typed}"
    assert not any(unicodedata.category(c) == "Cf" for c in rendered)  # no zero-width spaces or the like
    assert all(c not in rendered for c in "＿＠＃＊［］＜＞｜＼")


def test_usage_lines_in_code_read_as_typed() -> None:
    rendered = to_dingtalk("用法：`跟进 <客户> <内容> [类型:电话|拜访]` · 详见：`帮助 跟进`")
    assert rendered == "用法：跟进 \\<客户\\> \\<内容\\> \\[类型:电话\\|拜访\\] · 详见：帮助 跟进"
    assert not any(unicodedata.category(c) == "Cf" for c in rendered)


def test_references_stay_readable_but_cannot_become_headings() -> None:
    assert to_dingtalk(escape_md("回复 #12")) == "回复 #12"
    assert to_dingtalk(escape_md("#12 首行")) == "\\#12 首行"


def test_a_card_title_is_escaped_once() -> None:
    card = Card(title=escape_md("john_doe [VIP]"), subtitle="#3")
    assert render_card(card, quick_actions=False) == "### john\\_doe \\[VIP\\] #3"


def test_card_shows_fields_sections_and_quick_links_for_log_done_snooze_details() -> None:
    markdown = render_card(CARD, quick_actions=True)
    assert markdown.startswith("### 阿里巴巴 #12")
    assert "- **负责人**: 张三" in markdown and "- **电话**: +8613900139000" in markdown
    assert "#### 最近跟进" in markdown and "已报价" in markdown
    assert "#### 流失风险" in markdown and "45 天" in markdown
    assert quick_commands(markdown) == ["log #12", "done #12", "snooze #12 1d", "followups #12"]


def test_card_without_quick_links_and_redacted_for_groups() -> None:
    markdown = render_card(CARD.redacted(), quick_actions=False)
    assert "dtmd://" not in markdown
    assert "13900139000" not in markdown and "张三" in markdown


def test_title_comes_from_the_first_line_of_text_or_the_card() -> None:
    assert render_reply(Reply(text="已创建客户 **阿里巴巴**（#12）。\n详情"), quick_actions=True).title == \
        "已创建客户 阿里巴巴（#12）。"
    assert render_reply(Reply(card=CARD), quick_actions=True).title == "阿里巴巴"
    long = render_reply(Reply(text="很" * 100), quick_actions=False).title
    assert len(long) == 40 and long.endswith("…")


def test_long_messages_split_into_numbered_parts_within_the_limit() -> None:
    text = "今日待跟进\n" + "\n".join(f"- 第 {i} 位客户 " + "很长的备注" * 20 for i in range(200))
    parts = render_pages(Reply(text=text, lang="zh"), quick_actions=False, seen_by_others=False, max_bytes=15000)
    assert [p.title for p in parts] == ["今日待跟进 (1/3)", "今日待跟进 (2/3)", "今日待跟进 (3/3)"]
    assert all(msg_param_bytes(p.title, p.text) <= 15000 for p in parts)
    assert parts[1].text.startswith("- 第 ") and "内容太长" in parts[-1].text
    # Lines are kept whole until the cut.
    assert all(line.startswith("- 第 ") for p in parts[1:] for line in p.text.split("\n\n")[:-2])


def test_a_message_within_the_limit_is_sent_as_is() -> None:
    assert render_pages(Reply(text="短"), quick_actions=False, seen_by_others=False, max_bytes=15000) == [
        RenderedMessage("短", "短")]
    assert msg_param_bytes("t", "短") == len(json.dumps({"title": "t", "text": "短"}, ensure_ascii=False).encode())
