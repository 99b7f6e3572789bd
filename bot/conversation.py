"""The conversation port: everything an adapter may ask of the core besides running a command.

Adapters translate platform payloads into `Incoming` and render `Reply`s; they never open a database
session. What they must know *around* a command — the asker's language and today's date before a form is
drawn, which customers a create-form would duplicate, whether a thread is a shared card's, how a shared
card looks now — they ask here, and the core answers with neutral values. Everything a user *does*
(a message, a slash command, a click, a form, a thread reply, a shortcut) goes to `Bot.handle` instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlmodel import Session, select

from bot.access import can_change
from bot.dispatcher import Bot, guess_language
from bot.messages import Card, Incoming, Reply, SentMessage, Target
from bot.platforms import capabilities_of
from bot.ports import DeliveryError, Sender
from bot.render import pick_language
from bot.services.agenda import Agenda, agenda_for
from bot.services.chat_groups import ChatGroup, groups_of
from bot.services.customers import Duplicate, find_duplicates, search_customers
from bot.services.group_pace import reserve
from bot.shared_cards import live_shared_cards
from bot.shared_cards import shared_card_view as core_shared_card_view
from bot.threads import shared_card_in
from bot.users import resolve_user
from storage.models import Customer, FollowUp, SharedCard, User, UserIdentity
from storage.uow import run_in_transaction, unit_of_work

log = logging.getLogger("crmbot.conversation")

__all__ = [
    "ChatGroup",
    "Duplicate",
    "SharedCardRef",
    "agenda_of",
    "author_name",
    "customer_choices",
    "followup_kind",
    "groups",
    "healthy",
    "likely_duplicates",
    "live_shared_cards_of",
    "local_today",
    "may_change_customer",
    "redraw_shared_cards",
    "shared_card_at",
    "shared_card_view",
    "shared_cards_of",
    "sharer_language",
    "user_language",
]


@dataclass(frozen=True)
class SharedCardRef:
    """A card posted by `share`: where its message is, and who shared which customer."""

    customer_id: int
    platform: str
    workspace: str
    channel: str
    message_id: str
    shared_by: int


def _ref(row: SharedCard) -> SharedCardRef:
    return SharedCardRef(row.customer_id, row.platform, row.workspace, row.channel, row.message_id, row.shared_by)


def _known_user(session: Session, platform: str, workspace: str, user_id: str) -> User | None:
    identity = session.exec(
        select(UserIdentity).where(
            UserIdentity.platform == platform,
            UserIdentity.workspace == workspace,
            UserIdentity.external_id == user_id,
        )
    ).first()
    return session.get(User, identity.user_id) if identity else None


def user_language(bot: Bot, platform: str, workspace: str, user_id: str, hint: str = "") -> str:
    """The user's chosen language, else the language of ``hint`` (text they typed), else the language they
    typed last, else the configured default. A click has no hint: it never says what language someone speaks."""
    with Session(bot.engine) as session:
        user = _known_user(session, platform, workspace, user_id)
    if user is not None and user.language:
        return pick_language(user.language)
    if hint.strip():
        return guess_language(hint)
    if user is not None and user.last_language:
        return pick_language(user.last_language)
    return pick_language(bot.settings.defaults.language)


def local_today(bot: Bot, platform: str, workspace: str, user_id: str, platform_zone: str | None = None) -> date:
    """Today in the user's zone (their setting, else what the platform reports, else the configured default)."""
    with Session(bot.engine) as session:
        user = _known_user(session, platform, workspace, user_id)
    zone = (user.timezone if user else None) or platform_zone or bot.settings.defaults.timezone
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(bot.settings.defaults.timezone)
    return bot.clock.now().astimezone(tz).date()


def may_change_customer(bot: Bot, incoming: Incoming, customer_id: int) -> bool:
    """Whether the person behind ``incoming`` may change the customer (created on first use, as `handle` would)."""
    with unit_of_work(bot.engine) as session:
        user = resolve_user(session, incoming, bot.settings)
        customer = session.get(Customer, customer_id)
        return customer is not None and customer.deleted_at is None and can_change(session, user, customer)


def customer_choices(bot: Bot, incoming: Incoming, query: str, *, limit: int = 20) -> list[tuple[int, str]]:
    """Customers the person behind ``incoming`` may see that match ``query`` (the `find` search), as
    (id, name), best first: what a form's customer picker offers. A deactivated person is offered none."""
    with unit_of_work(bot.engine) as session:
        user = resolve_user(session, incoming, bot.settings)
        if user.deactivated_at is not None or not query.strip():
            return []
        return [(c.id, c.name) for c in search_customers(session, user=user, query=query, limit=limit)
                if c.id is not None]


def likely_duplicates(bot: Bot, incoming: Incoming, *, name: str, phone: str | None, email: str | None) -> list[Duplicate]:
    """Existing customers a new one called ``name`` (with phone / email) probably duplicates."""
    with unit_of_work(bot.engine) as session:
        user = resolve_user(session, incoming, bot.settings)
        return find_duplicates(session, user=user, name=name, phone=phone, email=email)


def shared_card_at(bot: Bot, platform: str, workspace: str, channel: str, message_id: str) -> SharedCardRef | None:
    """The shared card whose message is ``message_id`` in ``channel``, if that message is one."""
    with Session(bot.engine) as session:
        row = shared_card_in(session, platform, workspace, channel, message_id)
        return _ref(row) if row is not None else None


def shared_cards_of(bot: Bot, platform: str, customer_id: int) -> list[SharedCardRef]:
    """Every live card of this customer on ``platform`` (one per channel: a card shared again replaces it),
    oldest first."""
    with Session(bot.engine) as session:
        rows = session.exec(
            select(SharedCard)
            .where(SharedCard.customer_id == customer_id, SharedCard.platform == platform,
                   SharedCard.replaced_at.is_(None))  # type: ignore[union-attr]
            .order_by(SharedCard.id)  # type: ignore[arg-type]
        ).all()
        return [_ref(row) for row in rows]


def author_name(bot: Bot, user_id: int) -> str:
    """A user's display name (their crmbot name when the platform gave none)."""
    with Session(bot.engine) as session:
        user = session.get(User, user_id)
    return (user.display_name or user.name) if user else "?"


def sharer_language(bot: Bot, shared: SharedCardRef) -> str:
    """The language of the person who shared a card (the card and its thread speak it)."""
    with Session(bot.engine) as session:
        sharer = session.get(User, shared.shared_by)
    return pick_language((sharer.language if sharer else None) or bot.settings.defaults.language)


def shared_card_view(bot: Bot, shared: SharedCardRef) -> tuple[Card, str] | None:
    """The card as it should look in the channel now, in the sharer's language (``bot.shared_cards`` decides:
    the customer's redacted card, or that it was deleted or moved, without buttons); None if it is gone."""
    with unit_of_work(bot.engine, write=False) as session:
        return core_shared_card_view(session, shared, settings=bot.settings, clock=bot.clock)


def live_shared_cards_of(bot: Bot, platform: str, customer_id: int) -> list[SharedCardRef]:
    """The customer's cards on ``platform`` that still show it: its follow-ups are echoed into their threads
    (none on a platform without threads)."""
    if not capabilities_of(platform).threads:
        return []
    with Session(bot.engine) as session:
        return [_ref(row) for row in live_shared_cards(session, customer_id, platform)]


def followup_kind(bot: Bot, followup_id: int) -> str:
    """The kind of a follow-up (call, visit, …; "note" when it is gone)."""
    with unit_of_work(bot.engine, write=False) as session:
        followup = session.get(FollowUp, followup_id)
        return followup.kind if followup else "note"


def agenda_of(bot: Bot, incoming: Incoming) -> Agenda:
    """The core's agenda ("my day") of the person behind ``incoming``, in their zone."""
    with unit_of_work(bot.engine) as session:
        user = resolve_user(session, incoming, bot.settings)
        tz = ZoneInfo(user.timezone or bot.settings.defaults.timezone)
        return agenda_for(session, user, now=bot.clock.now(), tz=tz)


def redraw_shared_cards(bot: Bot, sender: Sender, customer_id: int) -> int:
    """Redraw every card of the customer shared on the sender's platform; returns how many were.

    Each card is drawn as its sharer would see it, sensitive parts left out; a card that cannot be
    updated (deleted message, bot removed) is logged and skipped. Where the platform's messages are not
    `editable`, the new version is posted into the card's conversation instead of replacing it.
    """
    editable = capabilities_of(sender.platform, sender).editable
    redrawn = 0
    for card in shared_cards_of(bot, sender.platform, customer_id):
        view = shared_card_view(bot, card)
        if view is None:
            continue
        drawn, lang = view
        message = SentMessage(card.platform, card.workspace, card.channel, card.message_id)
        reply = Reply(card=drawn, private=False, lang=lang)
        try:
            if editable:
                sender.update(message, reply)
            else:
                sender.send(Target(card.platform, card.workspace, channel=card.channel), reply)
            redrawn += 1
        except DeliveryError as exc:
            log.warning("could not update the shared card %s in %s: %s", card.message_id, card.channel, exc)
    return redrawn


def groups(bot: Bot, platform: str, workspace: str) -> list[ChatGroup]:
    """Every group of `workspace` the bot has seen on `platform`, most recently active first."""
    return groups_of(bot.engine, platform, workspace)


def healthy(bot: Bot) -> bool:
    """Whether the core can reach its database (for health endpoints); raises when it cannot."""
    with bot.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


def reserve_group_sends(bot: Bot, target: str, count: int = 1, *, limit: int, window_s: float = 60.0) -> float:
    """Take `count` of a group's send slots for the last `window_s` seconds, counted across every replica
    (`bot.services.group_pace`): 0.0 when taken, else the seconds until they free (nothing taken)."""
    return run_in_transaction(bot.engine, lambda session: reserve(
        session, target=target, count=count, limit=limit, window=timedelta(seconds=window_s), now=bot.clock.now()))
