"""`find` with a word from inside a name or a tag: found in any case and whatever the word's position, only
among the customers the user may see, with ``%`` and ``_`` taken literally, and the same through SQLite's
trigram index as by a scan (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.services import trigram_lookup
from bot.services.customers import search_customers
from storage.models import User


@pytest.fixture(autouse=True)
def _through_the_index(monkeypatch):
    """These books are tiny: without this SQLite would scan them instead of asking the index."""
    monkeypatch.setattr(trigram_lookup, "LOOKUP_COST", 0)


def test_a_word_from_the_middle_of_a_name_finds_the_customer(chat):
    alice = chat.user("alice")
    alice.say("new 阿里巴巴网络技术有限公司")
    alice.say("new Acme Trading Partners")
    assert "#1 阿里巴巴网络技术有限公司" in alice.say("find 网络技术")
    assert "#1 阿里巴巴网络技术有限公司" in alice.say("find 有限公司")  # the legal form no key keeps
    assert "#2 Acme Trading Partners" in alice.say("find trading")
    assert "#2 Acme Trading Partners" in alice.say("find PARTNERS")


def test_a_tag_finds_its_customers_before_names_that_merely_contain_it(chat):
    alice = chat.user("alice")
    alice.say("new Fast Renewal Experts")
    alice.say("new 杭州华城电子 tags:renewal/华东")
    out = alice.say("find renewal")
    assert out.index("#2 杭州华城电子") < out.index("#1 Fast Renewal Experts")
    assert "#2 杭州华城电子" in alice.say("find 华东")


def test_percent_and_underscore_are_characters_not_wildcards(chat):
    alice = chat.user("alice")
    alice.say("new Shop 50% Off")
    alice.say("new Club 500 Members")
    alice.say("new data_hub Labs")
    alice.say("new Datashub Labs")
    found = alice.say("find 50%")
    assert "#1 Shop 50% Off" in found and "Club 500" not in found
    found = alice.say("find a_hu")
    assert "#3 data_hub Labs" in found and "Datashub" not in found


def test_another_reps_customer_is_not_found_by_a_word_of_its_name(chat):
    chat.user("bob").say("new Northwind Trading Partners tags:vip")
    alice = chat.user("alice")
    alice.say("new Contoso Partners")
    found = alice.say("find partners")
    assert "Contoso" in found and "Northwind" not in found
    assert "Nothing found" in alice.say("find vip")


def test_a_renamed_or_retagged_customer_is_found_by_its_new_words_only(chat):
    alice = chat.user("alice")
    alice.say("new Blue Harbor Foods tags:seafood")
    alice.say('edit #1 name:"Red Canyon Foods" tags:bakery')
    assert "Nothing found" in alice.say("find harbor")
    assert "Nothing found" in alice.say("find seafood")
    assert "#1 Red Canyon Foods" in alice.say("find canyon")
    assert "#1 Red Canyon Foods" in alice.say("find bakery")


def test_the_index_and_a_scan_find_the_same(chat, engine, monkeypatch):
    alice = chat.user("alice")
    for name in ("Harbor Logistics", "Northern Harbor Supply", "Harborview Hotel", "Anchor Foods", "港湾物流有限公司",
                 "青岛港湾集团"):
        alice.say(f"new {name} tags:harbor")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.name == "alice")).one()

        def search(query: str) -> list[str]:
            return [c.name for c in search_customers(session, user=user, query=query)]

        queries = ["harbor", "arbor", "港湾", "港湾物流", "logistics", "ood"]
        through_the_index = [search(q) for q in queries]
        monkeypatch.setattr(trigram_lookup, "SUBSTRING_BUDGET", -1)  # every query scans
        assert [search(q) for q in queries] == through_the_index
    assert [len(found) for found in through_the_index] == [6, 3, 2, 1, 1, 1]
    assert through_the_index[-1] == ["Anchor Foods"]
