"""The few direct reads the Slack adapter makes of core data, outside a command.

Commands are always run through `Bot.handle`; these helpers answer questions the adapter must settle
*before* or *around* a command: which language to draw a modal in, whether a thread reply's author may
change the customer, which customers a create-form would duplicate, where a customer's cards were
shared, and how a shared card looks now (rendered as the person who shared it, sensitive parts left out).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from adapters.slack.incoming import PLATFORM
from bot.access import can_change
from bot.cards import customer_card
from bot.context import CommandContext
from bot.dispatcher import Bot, guess_language
from bot.messages import Card, Incoming
from bot.render import pick_language
from bot.services.agenda import Agenda, agenda_for
from bot.services.customers import Duplicate, find_duplicates
from bot.users import resolve_user
from storage.models import Customer, SharedCard, User, UserIdentity
from storage.uow import unit_of_work


def _known_user(session: Session, workspace: str, user_id: str) -> User | None:
    identity = session.exec(
        select(UserIdentity).where(
            UserIdentity.platform == PLATFORM,
            UserIdentity.workspace == workspace,
            UserIdentity.external_id == user_id,
        )
    ).first()
    return session.get(User, identity.user_id) if identity else None


def user_language(bot: Bot, workspace: str, user_id: str, hint: str = "") -> str:
    """The user's chosen language, else the language of ``hint`` text, else the configured default."""
    with Session(bot.engine) as session:
        user = _known_user(session, workspace, user_id)
    if user is not None and user.language:
        return pick_language(user.language)
    if hint.strip():
        return guess_language(hint)
    return pick_language(bot.settings.defaults.language)


def local_today(bot: Bot, workspace: str, user_id: str, slack_zone: str | None = None) -> date:
    """Today in the user's zone (their setting, else what Slack reports, else the configured default)."""
    with Session(bot.engine) as session:
        user = _known_user(session, workspace, user_id)
    zone = (user.timezone if user else None) or slack_zone or bot.settings.defaults.timezone
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


def likely_duplicates(bot: Bot, incoming: Incoming, *, name: str, phone: str | None, email: str | None) -> list[Duplicate]:
    """Existing customers a new one called ``name`` (with phone / email) probably duplicates."""
    with unit_of_work(bot.engine) as session:
        user = resolve_user(session, incoming, bot.settings)
        return find_duplicates(session, user=user, name=name, phone=phone, email=email)


def shared_card_at(bot: Bot, workspace: str, channel: str, message_ts: str) -> SharedCard | None:
    """The shared card whose message is ``message_ts`` in ``channel``, if that message is one."""
    with Session(bot.engine) as session:
        return session.exec(
            select(SharedCard).where(
                SharedCard.platform == PLATFORM,
                SharedCard.workspace == workspace,
                SharedCard.channel == channel,
                SharedCard.message_id == message_ts,
            )
        ).first()


def shared_cards_of(bot: Bot, customer_id: int) -> list[SharedCard]:
    """Every Slack message that shows this customer's shared card, oldest first."""
    with Session(bot.engine) as session:
        return list(
            session.exec(
                select(SharedCard)
                .where(SharedCard.customer_id == customer_id, SharedCard.platform == PLATFORM)
                .order_by(SharedCard.id)
            ).all()
        )


def author_name(bot: Bot, user_id: int) -> str:
    """A user's display name (their crmbot name when Slack gave none)."""
    with Session(bot.engine) as session:
        user = session.get(User, user_id)
    return (user.display_name or user.name) if user else "?"


def sharer_language(bot: Bot, shared: SharedCard) -> str:
    """The language of the person who shared a card (the card and its thread speak it)."""
    with Session(bot.engine) as session:
        sharer = session.get(User, shared.shared_by)
    return pick_language((sharer.language if sharer else None) or bot.settings.defaults.language)


def shared_card_view(bot: Bot, shared: SharedCard) -> tuple[Card, str] | None:
    """The card as it should look in the channel now, in the sharer's language; None if it is gone."""
    with unit_of_work(bot.engine, write=False) as session:
        customer = session.get(Customer, shared.customer_id)
        sharer = session.get(User, shared.shared_by)
        if customer is None or sharer is None:
            return None
        identity = session.exec(
            select(UserIdentity).where(UserIdentity.user_id == sharer.id, UserIdentity.platform == PLATFORM)
        ).first()
        incoming = Incoming(
            platform=PLATFORM,
            workspace=shared.workspace,
            channel=shared.channel,
            user_id=identity.external_id if identity else "",
            text="",
            is_direct=False,
        )
        lang = pick_language(sharer.language or bot.settings.defaults.language)
        ctx = CommandContext(session=session, user=sharer, incoming=incoming, settings=bot.settings,
                             clock=bot.clock, lang=lang)
        return customer_card(ctx, customer, shared=True), lang


def agenda_of(bot: Bot, incoming: Incoming) -> Agenda:
    """The core's agenda ("my day") of the person behind ``incoming``, in their zone."""
    with unit_of_work(bot.engine) as session:
        user = resolve_user(session, incoming, bot.settings)
        tz = ZoneInfo(user.timezone or bot.settings.defaults.timezone)
        return agenda_for(session, user, now=bot.clock.now(), tz=tz)
