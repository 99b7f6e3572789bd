"""Replies in a shared card's thread: the thread is where a team discusses and logs a customer.

A human reply in the thread of a card posted by `share` reaches `Bot.handle` as an `Incoming` of kind
`InboundKind.THREAD_REPLY` (``thread`` = the card's message). If the author may change the customer it is
logged by running ``log #<id> "<reply>"`` as that person — quoted, so the reply is the note word for word —
in one unit of work with the dedupe and the access check (the card lookup before it is a single read); the
replies come back `quiet` (a platform confirms with a reaction). Replies in other threads, and by anyone who may not change the customer, are left
alone: no answer, no log, no user created for them.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from bot.access import can_change
from bot.commands.quoting import UnquotableValue, quote_value
from bot.messages import InboundKind, Incoming
from bot.shared_cards import card_state
from storage.models import Customer, SharedCard, User


def is_thread_reply(incoming: Incoming) -> bool:
    """Whether `incoming` is a reply in a thread that may be a shared card's."""
    return incoming.kind == InboundKind.THREAD_REPLY and bool(incoming.thread)


def shared_card_in(session: Session, platform: str, workspace: str, channel: str, message_id: str) -> SharedCard | None:
    """The shared card whose message is `message_id` in `channel`, if that message is one."""
    return session.exec(
        select(SharedCard).where(
            SharedCard.platform == platform,
            SharedCard.workspace == workspace,
            SharedCard.channel == channel,
            SharedCard.message_id == message_id,
        )
    ).first()


def as_log_command(session: Session, incoming: Incoming) -> tuple[Incoming, int] | None:
    """The `log` command a thread reply stands for, and its customer; None when there is nothing to log."""
    said = incoming.text.strip()
    if not said or not incoming.thread:
        return None
    card = shared_card_in(session, incoming.platform, incoming.workspace, incoming.channel, incoming.thread)
    if card is None or card_state(session, card) != "live":
        return None  # not a card's thread, or the card no longer shows its customer (deleted or moved)
    return replace(incoming, text=f"log #{card.customer_id} {_literal(said)}"), card.customer_id


def may_log(session: Session, user: User, customer_id: int) -> bool:
    """Whether `user` may log a follow-up on the customer (it exists, is not deleted, and is theirs to change)."""
    customer = session.get(Customer, customer_id)
    return customer is not None and customer.deleted_at is None and can_change(session, user, customer)


def _literal(said: str) -> str:
    """The reply as one quoted word, so its commas and ``key:`` look-alikes stay part of the note."""
    try:
        return quote_value(said)
    except UnquotableValue:
        return said
