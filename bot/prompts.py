"""Two-step commands: the bot asks for the missing text, and the person's next message is the answer.

``跟进 <customer>`` / ``log <customer>`` without a note (what DingTalk's *记录跟进* quick link sends, or a
person typing) asks "what happened?"; the next message that person types in the same conversation within
`PROMPT_TTL` becomes the note, whatever it looks like (``今天拜访了`` starts with a command word and is still
the note). ``取消`` / ``cancel`` drops the question. Clicks never answer a prompt: a button is not text.

The question lives on the person's `User` row (every command reads it already), so any replica takes the
answer; taking it is one conditional UPDATE, so two replicas that receive two messages at once cannot both
take it (the second message is then an ordinary command).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from bot.messages import Incoming
from storage.models import User

PROMPT_TTL = timedelta(minutes=10)
CANCEL_WORDS = frozenset({"取消", "cancel", "算了", "不用了"})


@dataclass(frozen=True)
class Answer:
    """A message that answered a prompt: the command it completes, for which customer, with which text."""

    command: str
    customer_id: int
    text: str
    cancelled: bool = False


def ask(session: Session, user: User, incoming: Incoming, *, command: str, customer_id: int, now: datetime) -> None:
    """Wait for `user`'s next message in this conversation (replacing any earlier question)."""
    user.prompt_command = command
    user.prompt_customer_id = customer_id
    user.prompt_platform = incoming.platform
    user.prompt_channel = incoming.channel
    user.prompt_expires_at = now + PROMPT_TTL
    session.add(user)


def waiting(user: User, incoming: Incoming, now: datetime) -> bool | None:
    """True when `incoming` answers the user's question, False when the question expired, None when there is
    no question for this conversation (or the message is a click)."""
    if user.prompt_command is None or user.prompt_expires_at is None:
        return None
    if (user.prompt_platform, user.prompt_channel) != (incoming.platform, incoming.channel):
        return None
    return user.prompt_expires_at > now


def take(session: Session, user: User, incoming: Incoming, *, now: datetime) -> Answer | None:
    """Claim the answer `incoming` gives to the user's question; None when another message took it first."""
    expires, command, customer_id = user.prompt_expires_at, user.prompt_command, user.prompt_customer_id
    if expires is None or command is None or customer_id is None:
        return None
    claimed = session.execute(
        update(User).where(col(User.id) == user.id, col(User.prompt_expires_at) == expires)
        .values(prompt_command=None, prompt_customer_id=None, prompt_platform=None, prompt_channel=None,
                prompt_expires_at=None)
        .returning(col(User.id))
    ).first()
    session.expire(user, ["prompt_command", "prompt_customer_id", "prompt_platform", "prompt_channel",
                          "prompt_expires_at"])
    if claimed is None:
        return None
    text = incoming.text.strip()
    return Answer(command=command, customer_id=customer_id, text=text,
                  cancelled=text.lower().strip(" 。.!！") in CANCEL_WORDS)


def forget(session: Session, user: User) -> None:
    """Drop an expired question (its answer window is over)."""
    user.prompt_command = user.prompt_channel = user.prompt_platform = None
    user.prompt_customer_id = None
    user.prompt_expires_at = None
    session.add(user)
