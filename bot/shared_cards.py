"""What a shared card (a customer card posted into a channel by `share`) may still show and receive.

A card lives in a channel that belongs to a team: the team the channel is registered to (a team channel
from the config), else the team of the person who shared it. Once the customer is deleted the card shows
only that (no details, no buttons); once the customer belongs to another team the card shows only that it
moved (no details, no buttons) and its thread receives none of the customer's follow-ups; the new owner's
team shares it afresh. A customer restored or moved back makes its cards live again. Adapters only draw
what this module decides.
"""

from __future__ import annotations

from typing import Literal, Protocol

from sqlmodel import Session, select

from bot.access import can_see
from bot.cards import customer_card
from bot.clock import Clock
from bot.context import CommandContext
from bot.messages import Card, Incoming
from bot.render import escape_md, pick_language, t
from config.settings import Settings
from storage.models import ChatConversation, Customer, SharedCard, User, UserIdentity

CardState = Literal["live", "deleted", "moved"]


class CardPlace(Protocol):
    """Where a shared card is and whose it is (a `SharedCard` row or the adapters' reference to one); read-only,
    so a frozen reference satisfies it as well as a row."""

    @property
    def customer_id(self) -> int: ...
    @property
    def platform(self) -> str: ...
    @property
    def workspace(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def shared_by(self) -> int: ...


def card_state(session: Session, shared: CardPlace, customer: Customer | None = None) -> CardState:
    """Whether the card may still show its customer: ``deleted``, ``moved`` (to another team) or ``live``."""
    customer = customer or session.get(Customer, shared.customer_id)
    if customer is None or customer.deleted_at is not None:
        return "deleted"
    team_id = card_team(session, shared)
    if team_id is not None:
        return "live" if customer.team_id == team_id else "moved"
    sharer = session.get(User, shared.shared_by)
    return "live" if sharer is not None and can_see(session, sharer, customer) else "moved"


def card_team(session: Session, shared: CardPlace) -> int | None:
    """The team whose channel holds the card: the channel's registered team, else the sharer's."""
    registered = session.exec(
        select(ChatConversation.team_id).where(
            ChatConversation.platform == shared.platform,
            ChatConversation.workspace == shared.workspace,
            ChatConversation.conversation_id == shared.channel,
        )
    ).first()
    if registered is not None:
        return registered
    sharer = session.get(User, shared.shared_by)
    return sharer.team_id if sharer is not None else None


def live_shared_cards(session: Session, customer_id: int, platform: str) -> list[SharedCard]:
    """The customer's shared cards on ``platform`` that still show it (those its follow-ups are echoed to)."""
    customer = session.get(Customer, customer_id)
    cards = session.exec(
        select(SharedCard).where(SharedCard.customer_id == customer_id, SharedCard.platform == platform)
        .order_by(SharedCard.id)  # type: ignore[arg-type]
    ).all()
    return [card for card in cards if card_state(session, card, customer) == "live"]


def shared_card_view(session: Session, shared: CardPlace, *, settings: Settings, clock: Clock) -> tuple[Card, str] | None:
    """The card as it should look in its channel now, in the sharer's language (None if the sharer is gone):
    the customer's redacted card while live, else a card saying it was deleted or moved, with no buttons."""
    customer = session.get(Customer, shared.customer_id)
    sharer = session.get(User, shared.shared_by)
    if sharer is None:
        return None
    lang = pick_language(sharer.language or settings.defaults.language)
    state = card_state(session, shared, customer)
    if state != "live" or customer is None:
        name = escape_md(customer.name) if customer is not None else f"#{shared.customer_id}"
        text = t("sharing:card_gone", lang, state=state, name=name, id=shared.customer_id)
        return Card(title=name, subtitle=f"#{shared.customer_id}", footer=text, customer_id=shared.customer_id), lang
    identity = session.exec(
        select(UserIdentity).where(UserIdentity.user_id == sharer.id, UserIdentity.platform == shared.platform)
    ).first()
    incoming = Incoming(platform=shared.platform, workspace=shared.workspace, channel=shared.channel,
                        user_id=identity.external_id if identity else "", text="", is_direct=False)
    ctx = CommandContext(session=session, user=sharer, incoming=incoming, settings=settings, clock=clock, lang=lang)
    return customer_card(ctx, customer, shared=True), lang
