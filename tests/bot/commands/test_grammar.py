"""Grammar rules every command shares: an unknown ``key:`` is refused by name (never part of a name), and
`find` says how many matched in all and pages through them."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.actions import find as find_action
from storage.models import Customer


def names(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Customer.name).order_by(Customer.id)).all())


def test_an_unknown_key_on_new_is_refused_naming_it_and_the_known_fields(chat, engine) -> None:
    alice = chat.user("alice")
    out = alice.say("new Foo birthday:1990-01-01")
    # Customers have no birthday (their contacts do): the key is named, the fields are listed, nothing is made.
    assert 'Unknown field "birthday"' in out and "phone" in out and "tier" in out
    assert names(engine) == []
    zh = alice.say("新建 阿里巴巴 生日:1990-01-01")
    assert "未知字段「生日」" in zh and "电话" in zh and "等级" in zh
    assert "phone" not in zh and "tier" not in zh  # the known fields in Chinese for a Chinese command
    assert names(engine) == []


@pytest.mark.parametrize("line", ["show Acme colour:red", "delete Acme colour:red", "find acme colour:red",
                                  "history Acme colour:red"])
def test_an_unknown_key_is_refused_on_every_command(chat, engine, line: str) -> None:
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say(line)
    assert 'Unknown field "colour"' in out
    assert names(engine) == ["Acme"]


def test_colons_that_are_not_keys_stay_part_of_the_line(chat, engine) -> None:
    alice = chat.user("alice")
    assert "Created customer" in alice.say('new "Acme: Asia" phone:13800138000')
    assert "Created customer" in alice.say("new Meeting 10:00 Club")
    assert "Created customer" in alice.say("new https://acme.example Shop")
    assert names(engine) == ["Acme: Asia", "Meeting 10:00 Club", "https://acme.example Shop"]
    # A note is free text: what a customer said after a colon is the note, not a key.
    assert "Logged" in alice.say("log #1 客户说:下周签约")


def test_find_says_how_many_matched_and_pages_with_a_next_button(chat) -> None:
    alice = chat.user("alice")
    for i in range(23):
        alice.say(f"new Acme Branch {i:02d} force:yes")
    first = alice.say("find acme")
    assert 'Found 23 customers for "acme" (showing 1–10)' in first
    assert "find acme page:2" in first
    [reply] = alice.last
    [next_page] = reply.card.actions
    assert next_page.value == "⟦find_page?query=acme&page=2⟧" and next_page.label == "Next page"

    second = alice.say(next_page.value)  # the click
    assert "(showing 11–20)" in second and "#11 " in second and "#10 " not in second
    third = alice.say("find acme page:3")
    assert "(showing 21–23)" in third and alice.last[0].card is None  # the last page has no Next
    assert "There is no page 4" in alice.say("find acme page:4")


def test_find_in_chinese_counts_and_pages_in_chinese(chat) -> None:
    wang = chat.user("wang")
    for i in range(12):
        wang.say(f"新建 阿里巴巴分公司{i:02d} 确认:是")
    out = wang.say("查找 阿里巴巴")
    assert "「阿里巴巴」找到 12 个客户（第 1–10 个）" in out and "查找 阿里巴巴 页:2" in out
    [next_page] = wang.last[0].card.actions
    assert next_page.label == "下一页" and find_action(next_page.value) is not None
    assert "（第 11–12 个）" in wang.say(next_page.value)


def test_find_counts_up_to_a_limit_and_says_so(chat, monkeypatch) -> None:
    from bot.commands import customers

    monkeypatch.setattr(customers, "FIND_COUNT_LIMIT", 15)
    alice = chat.user("alice")
    for i in range(20):
        alice.say(f"new Acme Branch {i:02d} force:yes")
    assert 'Found 15 or more customers for "acme"' in alice.say("find acme")


def test_matches_inside_names_beyond_the_page_still_get_a_next_page(chat) -> None:
    alice = chat.user("alice")
    for i in range(14):
        alice.say(f"new Big{i:02d}shop Ltd force:yes")  # "shop" only inside the names: the substring pass
    first = alice.say("find shop")
    assert "or more customers" in first and "find shop page:2" in first
    [next_page] = alice.last[0].card.actions
    second = alice.say(next_page.value)
    assert "(showing 11–14)" in second and "#14 " in second
