"""Control characters, terminal escapes, NUL bytes and broken Unicode typed into any command: the same
clean result on SQLite and PostgreSQL, and a clear answer instead of an internal error."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.messages import Incoming
from bot.text.hygiene import clean_text, storable, unstorable
from storage.models import Customer, User


def _customers(engine) -> list[Customer]:
    with Session(engine) as session:
        return list(session.exec(select(Customer)).all())


def test_escape_codes_and_control_characters_never_reach_a_name_or_field(chat, engine):
    alice = chat.user("alice")
    out = alice.say("new \x1b[31mRed\x1b[0m Corp\x07 industry:re\x9b1mtail\x08 region:\x1b]0;owned\x07East")
    assert "E-" not in out
    (customer,) = _customers(engine)
    assert customer.name == "Red Corp"
    assert customer.industry == "retail"
    assert customer.region == "East"
    alice.say("edit Red Corp industry:\x1b[1mfood\x1b[0m\x7f")
    (customer,) = _customers(engine)
    assert customer.industry == "food"
    assert "\x1b" not in alice.say("show Red Corp")


@pytest.mark.parametrize("text", ["find Ac\x00me", "new Null\x00 Co", "log Acme called \x00 them"])
def test_a_nul_byte_gets_a_clear_answer_and_changes_nothing(chat, engine, text):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say(text)
    assert "NUL byte" in out and "Nothing was changed" in out
    assert "E-" not in out
    assert [c.name for c in _customers(engine)] == ["Acme"]


def test_broken_unicode_gets_a_clear_answer_in_the_users_language(chat, engine):
    out = chat.user("wang").say("新建 张\ud800三")
    assert "无效编码" in out and "未做任何修改" in out
    out = chat.user("alice").say("new Bad\udcff Co")
    assert "invalid Unicode" in out
    assert _customers(engine) == []


def test_platform_names_with_broken_characters_still_make_a_user(bot, engine):
    incoming = Incoming(platform="slack", workspace="T1\x00", channel="D1", user_id="U\ud8001",
                        user_name="\x1b[31mEve\x00 Li\ud800", text="new Eve Co", message_id="m\x00-1")
    replies = bot.handle(incoming)
    assert replies and replies[0].ok
    with Session(engine) as session:
        (eve,) = session.exec(select(User)).all()
    assert "\x00" not in eve.name and "\x1b" not in eve.name and "Eve" in eve.name
    assert [c.name for c in _customers(engine)] == ["Eve Co"]


def test_the_rules_themselves():
    assert clean_text("a\tb\nc\r\nd") == "a b c  d"
    assert clean_text("a\tb\r\nc\rd\x00\x1b[2Je", multiline=True) == "a\tb\nc\nde"
    assert clean_text("\x1bc\x1b(BReset") == "Reset"
    assert clean_text("张伟 Ünïcødé 😀") == "张伟 Ünïcødé 😀"
    assert unstorable("ok") is None and unstorable("a\x00") == "nul" and unstorable("\udc80") == "surrogate"
    assert storable("x\udc80y\x00") == "x\ufffdy"
