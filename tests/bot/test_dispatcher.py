"""The request path: dedupe, errors with reference ids, language choice."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from bot.commands.spec import CommandSpec
from storage.models import Customer, FollowUp


def test_a_redelivered_message_acts_once(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    first = alice.say("log Acme called them", message_id="m-1")
    again = alice.say("log Acme called them", message_id="m-1")
    assert "Logged" in first
    assert again == ""
    with Session(engine) as session:
        assert len(session.exec(select(FollowUp)).all()) == 1


def test_an_internal_error_shows_a_reference_and_logs_the_traceback(chat, bot, caplog):
    def explode(ctx, cmd):
        raise RuntimeError("database on fire")

    bot.registry.add(CommandSpec(name="explode", aliases=(), summary={"en": "x", "zh": "x"}, handler=explode))
    with caplog.at_level(logging.ERROR, logger="crmbot.errors"):
        out = chat.user("alice").say("explode")
    assert "Something went wrong on our side. Reference: E-" in out
    assert "Traceback" not in out and "database on fire" not in out
    ref = out.split("Reference: ")[1].split()[0]
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None


def test_a_failing_command_rolls_back_everything_it_did(chat, bot, engine):
    def half_done(ctx, cmd):
        ctx.session.add(Customer(tenant=ctx.tenant, name="Ghost", owner_id=ctx.user.id))
        ctx.session.flush()
        raise RuntimeError("boom")

    bot.registry.add(CommandSpec(name="half", aliases=(), summary={"en": "x", "zh": "x"}, handler=half_done))
    chat.user("alice").say("half")
    with Session(engine) as session:
        assert session.exec(select(Customer).where(Customer.name == "Ghost")).all() == []


def test_reply_language_follows_the_command_word_until_set(chat):
    alice = chat.user("alice")
    assert "crmbot commands" in alice.say("help")
    assert "crmbot 命令" in alice.say("帮助")


def test_help_for_one_command_comes_from_its_spec(chat):
    out = chat.user("alice").say("help log")
    assert "Usage: log <customer> [text] [kind:…] [next:<when> <step>]" in out
    assert "跟进" in out
