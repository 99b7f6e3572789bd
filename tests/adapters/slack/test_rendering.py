"""Core markdown → Slack mrkdwn / Block Kit, and Slack text → what the user typed (no server needed)."""

from __future__ import annotations

import pytest

from adapters.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    card_blocks,
    render_pages,
    render_reply,
    text_blocks,
)
from adapters.slack.incoming import slack_to_text, team_of
from adapters.slack.listeners.messages import command_after_mention
from adapters.slack.mrkdwn import split_text, to_mrkdwn, to_plain, truncate
from bot.messages import Card, CardAction, CardField, Reply
from bot.render import Markdown, escape_md
from tests.emulators.slack_blocks import validate_message_blocks


@pytest.mark.parametrize(
    ("core", "slack"),
    [
        ("Created customer **Acme** (#1).", "Created customer *Acme* (#1)."),
        ("_italic_ and `code_with*stars`", "_italic_ and `code_with*stars`"),
        ("- first\n- second\n> quoted", "• first\n• second\n> quoted"),
        (escape_md("<!channel> & <https://x.example|y>"), "&lt;!channel&gt; &amp; &lt;https://x.example|y&gt;"),
        ("<!here> unescaped by mistake", "&lt;!here&gt; unescaped by mistake"),  # control chars: always
        (escape_md("*VIP* _rush_ ~old~ `x`"), "∗VIP∗ ＿rush＿ ∼old∼ ˋxˋ"),  # literal markers cannot format
        (escape_md("john_doe@x.com a*b 2*3=6"), "john_doe@x.com a*b 2*3=6"),  # inside words they stay
        ("**" + escape_md("a\\b") + "**", "*a\\b*"),
    ],
)
def test_core_markdown_becomes_mrkdwn_that_only_formats_what_the_core_meant(core, slack):
    assert to_mrkdwn(core) == slack


def test_plain_text_drops_markers_and_still_escapes_control_characters():
    assert to_plain(Markdown("**Acme** ") + escape_md("<!channel> *x*")) == "Acme &lt;!channel&gt; *x*"


def test_truncation_never_cuts_an_entity_in_half():
    assert truncate("abc &amp; def", 7) == "abc …"
    assert truncate("short", 10) == "short"
    assert split_text("x" * 25 + "\n" + "y" * 3, 10) == ["x" * 10, "x" * 10, "xxxxx\nyyy"]
    assert "".join(split_text("a&amp;" * 5, 8)).count("&amp;") == 5


@pytest.mark.parametrize(
    ("slack", "typed"),
    [
        ("show &lt;Acme&gt; &amp; Co", "show <Acme> & Co"),
        ("assign Acme <@U222|bob>", "assign Acme @U222"),
        ("handover <@U111> <@U222>", "handover @U111 @U222"),
        ("edit Acme email:<mailto:a@b.com|a@b.com>", "edit Acme email:a@b.com"),
        ("edit Acme phone:<tel:+8613800138000|138 0013 8000>", "edit Acme phone:138 0013 8000"),
        ("note <https://acme.example|acme site> <https://x.example>", "note acme site https://x.example"),
        ("digest daily <#C123|sales> <!here> <!subteam^S1|@leads>", "digest daily #sales @here @leads"),
        ("due <!date^1392734382^{date}|Feb 18>", "due Feb 18"),
        ("新建 阿里巴巴 电话：13900139000 😀 \"quoted\"", "新建 阿里巴巴 电话：13900139000 😀 \"quoted\""),
        ("literal &amp;lt; stays", "literal &lt; stays"),
    ],
)
def test_slack_text_is_read_back_as_the_user_typed_it(slack, typed):
    assert slack_to_text(slack) == typed


def test_the_command_in_a_mention_is_what_follows_the_bot():
    assert command_after_mention("<@UBOT> show Acme", "UBOT") == "show Acme"
    assert command_after_mention("hey <@UBOT|crmbot> find acme", "UBOT") == "find acme"
    assert command_after_mention("today please <@UBOT>", "UBOT") == "today please"


def test_the_workspace_is_found_in_every_payload_shape():
    assert team_of({"team_id": "T1", "command": "/crm"}) == "T1"
    assert team_of({"type": "block_actions", "team": {"id": "T2"}, "user": {"id": "U", "team_id": "T2"}}) == "T2"
    assert team_of({"type": "view_submission", "view": {"team_id": "T3"}}) == "T3"


def big_card() -> Card:
    fields = tuple(CardField(f"Field {i}", "v" * 2500, sensitive=i == 3) for i in range(13))
    return Card(
        title="A" * 300,
        subtitle="#7",
        fields=fields,
        sections=(("Latest follow-ups", Markdown("\n".join(f"- line {i} " + "z" * 200 for i in range(40)))),),
        actions=(CardAction("log", "L" * 100, "log #7 "), CardAction("huge", "Huge", "x" * 2001)),
        footer="footer",
    )


def test_cards_are_cut_to_block_kit_limits_instead_of_being_rejected():
    blocks = card_blocks(big_card())
    assert validate_message_blocks(blocks) == []
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) == 150
    field_sections = [b for b in blocks if "fields" in b]
    assert [len(b["fields"]) for b in field_sections] == [10, 3]
    assert all(len(f["text"]) <= 2000 for b in field_sections for f in b["fields"])
    follow_ups = [b for b in blocks if b["type"] == "section" and "text" in b]
    assert len(follow_ups) >= 3 and all(len(b["text"]["text"]) <= 3000 for b in follow_ups)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(len(b["text"]["text"]), b["value"]) for b in buttons] == [(75, "log #7")]  # the 2001-char one is dropped


def test_shared_cards_drop_sensitive_fields():
    rendered = str(card_blocks(big_card().redacted()))
    assert "Field 3" not in rendered and "Field 4" in rendered


def block_text(blocks):
    return sum(len(b["text"]["text"]) for b in blocks if isinstance(b.get("text"), dict))


def test_replies_longer_than_one_message_are_paged_by_the_core_and_capped_with_a_notice():
    reply = Reply(text=Markdown("\n".join("w" * 2900 for _ in range(12))))
    pages = render_pages(reply, seen_by_others=False)
    assert len(pages) == 3 and all(len(p.blocks) <= MAX_MESSAGE_BLOCKS for p in pages)
    assert all(validate_message_blocks(p.blocks) == [] and p.text.strip() for p in pages)
    assert all(block_text(p.blocks) <= 12_000 for p in pages)
    capped = render_pages(Reply(text=Markdown("\n".join("w" * 2900 for _ in range(120)))), seen_by_others=False)
    assert len(capped) == 4 and "Too long for one message" in capped[-1].blocks[-1]["text"]["text"]
    assert all(block_text(p.blocks) <= 12_000 for p in capped)


def test_a_card_only_reply_still_has_notification_text():
    page = render_reply(Reply(card=Card(title=escape_md("<!channel> Ltd"), subtitle="#2")))
    assert page.text == "*&lt;!channel&gt; Ltd* #2"
    assert text_blocks("   ") == []
