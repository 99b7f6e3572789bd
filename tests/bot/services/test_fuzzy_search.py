"""A customer is found through a typo, in Latin letters, Chinese characters or pinyin, and only by those who
may see it: the trigram index picks the candidates, the search's similarity rule decides (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection
from sqlmodel import Session, select

from bot.services import fuzzy_search, trigram_lookup
from bot.services.customers import search_customers
from bot.services.fuzzy_search import rank_similar
from storage.fuzzy_index import FTS_TABLE, FTS_TERMS, FTS_TRIGGERS, POSTGRES_INDEXES, trigram_index
from storage.models import User


@pytest.fixture(autouse=True)
def _through_the_index(monkeypatch):
    """These books are tiny: without this SQLite would read them whole instead of asking the index."""
    monkeypatch.setattr(fuzzy_search, "SMALL_BOOK", 0)


def test_a_typo_in_a_latin_name_finds_the_customer(chat):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    alice.say("new Zenith Logistics")
    assert "#1 Acme Trading" in alice.say("find Acme Tradnig")
    assert "Acme Trading #1" in alice.say("show Acme Tradnig")
    assert "#2 Zenith Logistics" in alice.say("find zenit logistcs")


def test_a_wrong_character_in_a_chinese_name_finds_the_customer(chat):
    alice = chat.user("alice")
    alice.say("new 阿里巴巴网络技术有限公司")
    alice.say("new 杭州华城电子")
    assert "#1 阿里巴巴网络技术有限公司" in alice.say("find 阿里巴爸网络技术")
    assert "#2 杭州华城电子" in alice.say("find 杭州华成电子")


def test_pinyin_typed_with_a_typo_finds_the_chinese_name(chat):
    alice = chat.user("alice")
    alice.say("new 张伟明")
    alice.say("new 苏玲")  # two characters: no trigram of its own, its pinyin has four
    assert "#1 张伟明" in alice.say("find zhangwiming")
    assert "#2 苏玲" in alice.say("find sulign")


def test_a_query_like_no_name_finds_nothing(chat):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    alice.say("new 张伟明")
    assert "Nothing found" in alice.say("find zzz-nothing")
    assert "Nothing found" in alice.say("find Qwertyuiop")
    assert "Nothing found" in alice.say("find 北京华为")


def test_another_reps_customer_is_never_found_however_close(chat):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme Trading")
    alice.say("new 张伟明")
    assert "Nothing found" in bob.say("find Acme Tradnig")
    assert "Nothing found" in bob.say("find zhangwiming")
    bob.say("new Acme Tradign")
    out = bob.say("find Acme Tradnig")
    assert "#3 Acme Tradign" in out and "#1" not in out
    eve = chat.user("alice", platform="slack", workspace="T9")  # same name, another tenant
    assert "Nothing found" in eve.say("find Acme Tradnig")


def test_a_deleted_customer_is_not_found_until_restored(chat):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    alice.say("delete Acme")
    assert "Nothing found" in alice.say("find Acme Tradnig")
    alice.say("restore #1")
    assert "#1 Acme Trading" in alice.say("find Acme Tradnig")


def test_a_renamed_customer_is_found_by_its_new_name_only(chat):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    assert "Updated" in alice.say('edit #1 name:"Zenith Logistics"')
    assert "#1 Zenith Logistics" in alice.say("find Zenith Logistcs")
    assert "Nothing found" in alice.say("find Acme Tradnig")
    alice.say('edit #1 name:"北京华为技术有限公司"')
    assert "#1 北京华为技术有限公司" in alice.say("find beijinghuaweijisu")


def test_without_the_index_the_search_scans_and_finds_the_same(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme Trading")
    alice.say("new 张伟明")
    with engine.connect() as conn, conn.begin() as transaction:
        _drop_trigram_index(conn)
        assert trigram_index(conn) is None
        trigram_lookup.forget_index_answers()  # this process searched with the index a moment ago
        with Session(bind=conn) as session:
            user = session.exec(select(User).where(User.name == "alice")).one()
            assert [c.name for c in search_customers(session, user=user, query="Acme Tradnig")] == ["Acme Trading"]
            assert [c.name for c in search_customers(session, user=user, query="zhangwiming")] == ["张伟明"]
        transaction.rollback()  # DDL is transactional on both backends: the shared database keeps its index


def _drop_trigram_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in FTS_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
        conn.exec_driver_sql(f"DROP TABLE {FTS_TERMS}")
        conn.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
    else:
        for index in POSTGRES_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX {index}")


class TestRanking:
    ROWS = [(1, "acmetrading", "acmetrading"), (2, "acmetrade", "acmetrade"), (3, "张伟明", "zhangweiming"),
            (4, "zenithlogistics", "zenithlogistics")]

    def test_best_first_and_nothing_below_the_cutoff(self):
        assert rank_similar("acmetradnig", self.ROWS, limit=10) == [1, 2]
        assert rank_similar("qwertyuiop", self.ROWS, limit=10) == []

    def test_the_limit_keeps_the_best(self):
        assert rank_similar("acmetradnig", self.ROWS, limit=1) == [1]

    @pytest.mark.parametrize("pinyin, expected", [(True, [3]), (False, [])])
    def test_pinyin_counts_only_when_asked(self, pinyin, expected):
        assert rank_similar("zhangwiming", self.ROWS, limit=10, pinyin=pinyin) == expected
