"""Two-step logging: `log <customer>` without a note asks for it; the person's next message in that
conversation is the note (10 minutes, cancellable), whichever replica receives it, taken once."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.dispatcher import Bot
from storage.models import FollowUp, User
from tests.bot.test_concurrency import at_once, say


def notes(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(FollowUp.text).order_by(FollowUp.id)).all())


def test_log_without_text_asks_and_takes_the_next_message_as_typed(chat, engine) -> None:
    wang = chat.user("wang")
    wang.say("新建 阿里巴巴")
    asked = wang.say("跟进 阿里巴巴")
    assert "请发送 阿里巴巴（#1）的跟进内容" in asked and "10 分钟" in asked and "取消" in asked
    # The answer is the note even when it starts with a command word (今天 = today) or carries a colon.
    out = wang.say("今天拜访了，客户说：下周签约")
    assert "已为 阿里巴巴 记录" in out
    assert notes(engine) == ["今天拜访了，客户说：下周签约"]
    wang.say("今天")  # the question is answered: the next message is an ordinary command again
    assert notes(engine) == ["今天拜访了，客户说：下周签约"]


def test_the_question_can_be_cancelled_and_expires_after_ten_minutes(chat, engine, clock) -> None:
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme")
    assert "nothing was logged" in alice.say("cancel")
    assert "I don't know the command" in alice.say("called them")
    alice.say("log Acme")
    clock.advance(minutes=11)
    late = alice.say("called them about the renewal")
    assert "waited 10 minutes" in late and notes(engine) == []


def test_the_answer_must_come_from_the_same_conversation(chat, engine) -> None:
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("log Acme", channel="console:group-1", direct=False)
    assert "Created customer" in alice.say("new Bolt")  # a DM is another conversation: an ordinary command
    assert "Logged" in alice.say("met them at the fair", channel="console:group-1", direct=False)
    assert notes(engine) == ["met them at the fair"]


def test_any_replica_takes_the_answer(engine, settings, clock) -> None:
    first, second = Bot(engine=engine, settings=settings, clock=clock), Bot(engine=engine, settings=settings, clock=clock)
    say(first, "alice", "new Acme")
    say(first, "alice", "log Acme")
    assert "Logged" in say(second, "alice", "sent the quote")
    assert notes(engine) == ["sent the quote"]
    with Session(engine) as session:
        assert session.exec(select(User.prompt_command)).all() == [None]


def test_two_messages_at_once_answer_the_question_once(bot, engine) -> None:
    say(bot, "alice", "new Acme")
    for _ in range(3):
        say(bot, "alice", "log Acme")
        outputs = at_once([lambda: say(bot, "alice", "sent the quote"), lambda: say(bot, "alice", "sent the quote")])
        assert sum("Logged" in out for out in outputs) == 1
        assert sum("know the command" in out for out in outputs) == 1  # the other was an ordinary line
    assert notes(engine) == ["sent the quote"] * 3
