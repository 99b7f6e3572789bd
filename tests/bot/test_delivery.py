"""The core degrades, pages and redacts replies to what a platform declares it can show."""

from __future__ import annotations

import pytest

from bot.delivery import card_markdown, card_size, fit, for_audience, share_post
from bot.messages import Card, CardAction, CardField, Reply
from bot.platforms import Capabilities, Platform, capabilities_of, get, register

CARD = Card(
    title="Acme Trading", subtitle="#1",
    fields=(CardField("Phone", "13800138000", sensitive=True), CardField("Industry", "retail")),
    sections=(("Next step", "send the quote"),),
    actions=(CardAction("done", "Done", "done #1"),), customer_id=1,
)
PLAIN = Capabilities(max_message_chars=200, max_pages=2)


def test_a_card_seen_by_others_loses_its_sensitive_fields():
    reply = Reply(text="here", card=CARD)
    assert "13800138000" in card_markdown(for_audience(reply, seen_by_others=False).card)
    assert "13800138000" not in card_markdown(for_audience(reply, seen_by_others=True).card)
    shared = share_post(reply)
    assert not shared.private and "13800138000" not in card_markdown(shared.card)


def test_without_blocks_a_card_becomes_markdown_and_without_buttons_its_actions_become_commands():
    [flat] = fit(Reply(text="Found it:", card=CARD), Capabilities(max_message_chars=2000), seen_by_others=False)
    assert flat.card is None and flat.text.startswith("Found it:")
    assert "**Acme Trading** #1" in flat.text and "Industry: retail" in flat.text and "`done #1`" in flat.text
    [with_buttons] = fit(Reply(card=CARD), Capabilities(max_message_chars=2000, buttons=True), seen_by_others=True)
    assert with_buttons.card is not None and with_buttons.card.actions == CARD.actions
    assert "`done #1`" not in with_buttons.text and "13800138000" not in with_buttons.text
    [rich] = fit(Reply(card=CARD), Capabilities(max_message_chars=2000, blocks=True), seen_by_others=False)
    assert rich.card == CARD  # a platform with blocks draws the card itself


def test_long_text_is_paged_and_cut_after_the_last_page_with_a_notice():
    lines = [f"- line {n:03}" for n in range(60)]
    pages = fit(Reply(text="\n".join(lines), lang="en"), PLAIN, seen_by_others=False)
    assert len(pages) == 2 and all(len(page.text) <= 200 for page in pages)
    assert pages[0].text.startswith("- line 000") and "the rest was left out" in pages[-1].text
    roomy = fit(Reply(text="\n".join(lines[:20])), Capabilities(max_message_chars=200, max_pages=9), seen_by_others=False)
    assert "\n".join(page.text for page in roomy).split("\n") == lines[:20]


def test_the_platform_registry_takes_each_name_once():
    register(Platform("test-pager", Capabilities(max_message_chars=123)))
    register(Platform("test-pager", Capabilities(max_message_chars=123)))  # the same again is fine
    with pytest.raises(ValueError):
        register(Platform("test-pager", Capabilities(max_message_chars=456)))
    assert get("test-pager") is not None and capabilities_of("test-pager").max_message_chars == 123
    assert capabilities_of("nobody-knows").max_message_chars == 3000


def test_the_shipped_platforms_are_registered():
    for name in ("slack", "dingtalk", "console", "webhook"):
        assert get(name) is not None, name


BLOCKY = Capabilities(max_message_chars=1500, blocks=True, buttons=True, max_block_chars=600, max_pages=3)


def test_a_card_too_large_for_one_message_has_its_sections_shortened_to_fit():
    long = "\n".join(f"- note {n}: " + "words " * 30 for n in range(40))
    card = Card(title="Acme", subtitle="#1", sections=(("Follow-ups", long), ("Churn", "low")),
                actions=CARD.actions, customer_id=1)
    [page] = fit(Reply(card=card), BLOCKY, seen_by_others=False)
    assert page.card is not None and card_size(page.card) <= BLOCKY.max_message_chars
    follow_ups, churn = page.card.sections
    assert follow_ups[1].startswith("- note 0:") and follow_ups[1].endswith("…")
    assert len(follow_ups[0]) + len(follow_ups[1]) <= 600  # one block
    assert churn == ("Churn", "low")  # the sections after it keep their room


def test_text_and_a_card_that_do_not_fit_together_put_the_card_on_a_page_of_its_own():
    text = "\n".join("x" * 100 for _ in range(14))  # 1,413 characters
    pages = fit(Reply(text=text, card=CARD), BLOCKY, seen_by_others=False)
    assert [page.card is not None for page in pages] == [False, True]
    assert pages[0].text == text and pages[1].text == ""
    assert all(len(p.text) + (card_size(p.card) if p.card else 0) <= 1500 for p in pages)


def test_a_platform_measures_its_own_size():
    # Slack counts `&` as `&amp;`: a platform's measure pages by what it will actually send.
    text = "\n".join("&" * 90 for _ in range(10))
    assert len(fit(Reply(text=text), PLAIN_BIG, seen_by_others=False)) == 1
    assert len(fit(Reply(text=text), PLAIN_BIG, seen_by_others=False, measure=lambda s: 5 * len(s))) == 5


PLAIN_BIG = Capabilities(max_message_chars=1000, max_pages=9)


def test_platforms_name_themselves_in_each_language_with_no_core_table():
    from bot.labels import value_label

    assert value_label("platform", "dingtalk", "zh") == "钉钉" and value_label("platform", "console", "zh") == "终端"
    register(Platform("test-wecom", Capabilities(max_message_chars=2048), label="WeCom", labels=(("zh", "企业微信"),)))
    assert value_label("platform", "test-wecom", "zh") == "企业微信"  # a new platform needs no core edit
    assert value_label("platform", "test-wecom", "en") == "test-wecom"
