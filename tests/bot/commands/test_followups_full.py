"""`followups`: a customer's follow-ups in full, newest first, five a page, in the asker's language."""

from __future__ import annotations


def test_followups_pages_the_full_texts_newest_first_in_chinese(chat) -> None:
    wang = chat.user("wang")
    wang.say("settings lang:zh")
    wang.say("新建 阿里巴巴")
    for n in range(7):
        wang.say(f"跟进 阿里巴巴 第{n}次沟通：" + "详细内容" * 100)
    first = wang.say("跟进记录 阿里巴巴")
    assert "阿里巴巴 (#1) 的跟进记录" in first and "共 7 条" in first and "第 1/2 页" in first
    assert "第6次沟通" in first and "第2次沟通" in first and "第1次沟通" not in first
    assert "详细内容" * 100 in first  # in full, not shortened like on the card
    assert "跟进记录 #1 页:2" in first
    second = wang.say("跟进记录 #1 页:2")
    assert "第1次沟通" in second and "第0次沟通" in second and "第 2/2 页" in second


def test_the_card_shows_the_start_of_long_followups_and_details_shows_them_whole(chat) -> None:
    alice = chat.user("alice")
    alice.say("settings lang:en")
    alice.say("new Acme")
    alice.say("log Acme " + "long words " * 100)
    card = alice.say("show Acme")
    assert "… more" in card and ("long words " * 100).strip() not in card
    assert alice.say("followups Acme").count("long words") == 100
    alice.say("new Beta")
    assert "No follow-ups for Beta (#2) yet." in alice.say("followups Beta")


def test_a_page_past_the_end_shows_the_last_page(chat) -> None:
    alice = chat.user("alice")
    alice.say("settings lang:en")
    alice.say("new Acme")
    for n in range(6):
        alice.say(f"log Acme note {n}")
    last = alice.say("followups Acme page:9")
    assert "page 2/2" in last and "note 0" in last and "note 5" not in last
