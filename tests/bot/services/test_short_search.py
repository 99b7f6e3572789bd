"""`find` with one or two characters (华为, 王芳, 上海, li): found wherever they sit in a name, through the name-
bigram index for managers and admins, ranked as longer queries are, and kept current on rename and delete
(SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bot.services import trigram_lookup
from bot.services.customers import search_customers
from storage.models import User


@pytest.fixture
def config_overrides():
    return {
        "roles": {"admins": ["root"]},
        "teams": [{"name": "East", "managers": ["mia"], "members": ["alice", "bob"]}],
    }


@pytest.fixture(autouse=True)
def _through_the_index(monkeypatch):
    """These books are tiny: without this every user's customers would be read whole."""
    monkeypatch.setattr(trigram_lookup, "SMALL_BOOK", 0)


def names(engine, who: str, query: str) -> tuple[list[str], list[str]]:
    """What `who` finds for `query`, and the SQL the search ran."""
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with Session(engine) as session:
            user = session.exec(select(User).where(User.name == who)).one()
            found = [c.name for c in search_customers(session, user=user, query=query)]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return found, seen


def test_two_characters_from_anywhere_in_a_name_are_found_through_the_bigram_index(chat, engine):
    alice, carl = chat.user("alice"), chat.user("carl")
    alice.say("new 深圳华为技术有限公司")
    alice.say("new 华为终端")
    alice.say("new 北京小米科技")
    carl.say("new 上海华为贸易")  # not on mia's teams
    chat.user("mia").say("help")
    chat.user("root").say("help")

    found, sql = names(engine, "mia", "华为")
    assert found == ["华为终端", "深圳华为技术有限公司"]  # the prefix first, then the name that holds it
    assert any("customer_bigram" in statement for statement in sql)
    found, _ = names(engine, "root", "华为")
    assert found == ["华为终端", "上海华为贸易", "深圳华为技术有限公司"]
    assert names(engine, "root", "小米")[0] == ["北京小米科技"]
    assert names(engine, "root", "技")[0] == []  # one character: prefixes and tags only, as before


def test_latin_pairs_match_in_any_case(chat, engine):
    alice = chat.user("alice")
    alice.say("new Nordic Lights AB")
    alice.say("new Bali Trading")
    chat.user("root").say("help")
    assert names(engine, "root", "LI")[0] == ["Bali Trading", "Nordic Lights AB"]
    assert names(engine, "root", "gh")[0] == ["Nordic Lights AB"]


def test_a_renamed_or_deleted_customer_is_found_by_its_current_name_only(chat, engine):
    alice = chat.user("alice")
    alice.say("new 杭州阿里网络")
    alice.say("new 广州网易游戏")
    chat.user("root").say("help")
    alice.say('edit #1 name:"杭州蚂蚁金服"')
    alice.say("delete #2")  # soft delete: the row stays, the search leaves it out

    assert names(engine, "root", "阿里")[0] == []
    assert names(engine, "root", "蚂蚁")[0] == ["杭州蚂蚁金服"]
    assert names(engine, "root", "网易")[0] == []


def test_the_bigram_index_and_a_scan_find_the_same(chat, engine, monkeypatch):
    alice = chat.user("alice")
    for name in ("上海浦东发展银行", "浦东机场物流", "东方明珠", "上海东方", "Eastern Pudong Co", "Pudong Steel"):
        alice.say(f"new {name}")
    chat.user("root").say("help")
    queries = ["浦东", "东方", "上海", "pu", "ng", "St"]
    through_the_index = [names(engine, "root", q)[0] for q in queries]
    monkeypatch.setattr(trigram_lookup, "SMALL_BOOK", 10_000)  # everyone is read whole
    assert [names(engine, "root", q)[0] for q in queries] == through_the_index
    assert [len(found) for found in through_the_index] == [2, 2, 2, 3, 2, 2]  # pu: also 浦东 by its pinyin
