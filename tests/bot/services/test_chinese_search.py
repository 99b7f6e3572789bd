"""`find` the way Chinese reps type: every reading of a polyphonic character, surname readings for people,
traditional or simplified, pinyin from inside a name, ``u``/``v`` for ``ü``, homophone typos; ranked exact,
prefix, inside, fuzzy (SQLite through the trigram index, and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.services import trigram_lookup
from bot.services.search_keys_refresh import refresh_search_keys
from storage.models import Customer


@pytest.fixture(autouse=True)
def _through_the_index(monkeypatch):
    """These books are tiny: without this SQLite would scan them instead of asking the index."""
    monkeypatch.setattr(trigram_lookup, "LOOKUP_COST", 0)


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("曾国藩", ["zgf", "zengguofan", "zeng", "cgf", "cengguofan"]),
        ("单田芳", ["stf", "shantianfang", "shan"]),
        ("解晓东", ["xxd", "xiexiaodong"]),
        ("朴志军", ["pzj", "piaozhijun"]),
        ("仇海", ["qh", "qiuhai"]),
        ("区家明", ["ojm", "oujiaming"]),
        ("查良镛", ["zly", "zhaliangyong"]),
        ("覃小梅", ["qxm", "qinxiaomei"]),
        ("薄一波", ["byb", "boyibo"]),
    ],
)
def test_a_person_is_found_by_the_surname_reading(chat, name, queries):
    alice = chat.user("alice")
    alice.say(f"新建 {name} 类型:个人")
    for query in queries:
        assert f"#1 {name}" in alice.say(f"find {query}"), query


def test_traditional_and_simplified_find_each_other(chat):
    alice = chat.user("alice")
    alice.say("新建 廣州貿易")
    alice.say("新建 深圳华强电子")
    assert "#1 廣州貿易" in alice.say("find 广州贸易")
    assert "#1 廣州貿易" in alice.say("find 广州")
    assert "#2 深圳华强电子" in alice.say("find 深圳華強")
    assert "#2 深圳华强电子" in alice.say("find 華強")


def test_pinyin_inside_a_name_and_u_for_u_umlaut(chat):
    alice = chat.user("alice")
    alice.say("新建 中国银行")
    alice.say("新建 吕小布 类型:个人")
    assert "#1 中国银行" in alice.say("find yinhang")
    assert "#2 吕小布" in alice.say("find lvxiaobu")
    assert "#2 吕小布" in alice.say("find luxiaobu")
    assert "#2 吕小布" in alice.say("find lüxiaobu")


def test_homophone_typo_is_found_by_its_sound(chat):
    alice = chat.user("alice")
    alice.say("新建 深圳华强电子")
    assert "#1 深圳华强电子" in alice.say("find 深证华强")


def test_exact_beats_prefix_beats_inside(chat):
    alice = chat.user("alice")
    alice.say("新建 中国银行上海分行")  # yinhang inside
    alice.say("新建 银行家俱乐部")  # yinhang as a prefix
    alice.say("新建 银行 确认:是")  # exactly yinhang (and not the club: 确认 it)
    out = alice.say("find yinhang")
    assert out.index("#3 银行") < out.index("#2 银行家俱乐部") < out.index("#1 中国银行上海分行")


def test_stored_keys_of_an_older_version_are_recomputed_once(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 曾国藩 类型:个人")
    with Session(engine) as session, session.begin():
        customer = session.exec(select(Customer)).one()
        customer.pinyin_full, customer.pinyin_initials = "cengguofan", "cgf"  # as version 1 stored it
        session.add(customer)
    assert "Nothing found" in alice.say("find zgf") or "没有找到" in alice.say("find zgf")
    assert refresh_search_keys(engine) == 1
    assert refresh_search_keys(engine) == 0  # the version is recorded: done once
    assert "#1 曾国藩" in alice.say("find zgf")
