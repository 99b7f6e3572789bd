"""Tickets (工单): complaints and requests of a customer, assigned to a person and followed to closure.

A ticket is referenced as ``T<id>``. Who may see one: whoever may see its customer, and its assignee. Who may
change one: the same people. Every change locks the ticket's row first, so two `close` at once close it once and
the second is told it is closed already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session

from bot.access import can_see, visible_customers
from bot.errors import UserError
from config.settings import Settings
from storage.models import Customer, Ticket, TicketEvent, User

_REF = re.compile(r"^#?[Tt](\d{1,12})$")
REF_PATTERN = r"#?[Tt]\d{1,12}"  # a ticket reference, for command variants (`CommandSpec.ref_pattern`)

PRIORITY_WORDS = {
    "high": "high", "h": "high", "urgent": "high", "高": "high", "紧急": "high", "急": "high", "加急": "high",
    "normal": "normal", "medium": "normal", "n": "normal", "普通": "normal", "一般": "normal", "中": "normal",
    "low": "low", "l": "low", "低": "low", "不急": "low",
}
KIND_WORDS = {
    "complaint": "complaint", "投诉": "complaint", "客诉": "complaint",
    "request": "request", "enquiry": "request", "inquiry": "request", "question": "request", "请求": "request",
    "咨询": "request", "需求": "request", "工单": "request",
}


def ticket_id(ref: str) -> int:
    """The id of ``T12`` / ``t12`` / ``#T12``; a clear error for anything else."""
    match = _REF.match(ref.strip())
    if not match:
        raise UserError("tickets:bad_ref", ref=ref)
    return int(match[1])


def priority_of(word: str) -> str:
    """``high`` / ``normal`` / ``low`` for the words people type (``高``, ``紧急``, ``urgent``)."""
    found = PRIORITY_WORDS.get(word.strip().lower())
    if found is None:
        raise UserError("bad_choice", name="priority", value=word, choices="high, normal, low")
    return found


def kind_of(word: str) -> str:
    """``complaint`` / ``request`` for the words people type (``投诉``, ``咨询``)."""
    found = KIND_WORDS.get(word.strip().lower())
    if found is None:
        raise UserError("bad_choice", name="kind", value=word, choices="complaint, request")
    return found


def ticket_reach(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause over ``ticket JOIN customer``: the tickets `user` may see."""
    return or_(visible_customers(session, user), (Ticket.assignee_id == user.id) & Customer.deleted_at.is_(None))


@dataclass(frozen=True)
class Found:
    """A ticket with its customer and the people a reply names."""

    ticket: Ticket
    customer: Customer
    assignee: User


def find_ticket(session: Session, user: User, ref: str, *, lock: bool = False) -> Found:
    """The ticket `ref` among those `user` may see (locked for a change with `lock`), or the not-found answer
    (a ticket out of reach is not told apart from one that does not exist)."""
    statement = (select(Ticket, Customer).join(Customer, Customer.id == Ticket.customer_id)
                 .where(Ticket.id == ticket_id(ref), Ticket.tenant == user.tenant, Customer.deleted_at.is_(None)))
    if lock:
        statement = statement.with_for_update(of=Ticket)
    row = session.execute(statement).first()
    if row is None:
        raise UserError("tickets:not_found", ref=ref.strip().upper().lstrip("#"))
    ticket, customer = row
    if lock:
        session.refresh(ticket)  # a writer that waited on the lock reads the winner's committed row
    if ticket.assignee_id != user.id and not can_see(session, user, customer):
        raise UserError("tickets:not_found", ref=ref.strip().upper().lstrip("#"))
    assignee = session.get(User, ticket.assignee_id)
    assert assignee is not None
    return Found(ticket, customer, assignee)


def add_event(session: Session, ticket: Ticket, author: User, action: str, text: str | None, at: datetime) -> None:
    """One line of the ticket's timeline."""
    session.add(TicketEvent(ticket_id=ticket.id, author_id=author.id, action=action, text=text, at=at))


def timeline(session: Session, ticket: Ticket, limit: int = 10) -> list[tuple[TicketEvent, User]]:
    """The ticket's latest events, oldest first, with their authors."""
    rows = session.execute(
        select(TicketEvent, User).join(User, User.id == TicketEvent.author_id)
        .where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(limit)
    ).all()
    return [(event, author) for event, author in reversed(rows)]


@dataclass(frozen=True)
class TicketCounts:
    """Open tickets of a scope: how many, how many past their deadline."""

    open: int
    overdue: int


def open_ticket_counts(session: Session, scope: ColumnElement[bool], now: datetime) -> TicketCounts:
    """Open and overdue tickets of the customers `scope` selects, in one statement."""
    row = session.execute(
        select(func.count(Ticket.id), func.count(Ticket.id).filter(Ticket.due_at < now))
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.closed_at.is_(None), scope)
    ).one()
    return TicketCounts(open=row[0], overdue=row[1])


def customer_open_tickets(session: Session, customer_id: int, limit: int = 5) -> list[Ticket]:
    """A customer's open tickets, soonest deadline first (the card shows them)."""
    return list(session.execute(
        select(Ticket).where(Ticket.customer_id == customer_id, Ticket.closed_at.is_(None))
        .order_by(Ticket.due_at, Ticket.id).limit(limit)
    ).scalars())


def median_hours_to_close(session: Session, scope: ColumnElement[bool], since: datetime, until: datetime) -> float | None:
    """The median time from opening to closing of the tickets closed in [since, until), in hours (None: none)."""
    spans = [
        (closed - opened).total_seconds() / 3600
        for opened, closed in session.execute(
            select(Ticket.created_at, Ticket.closed_at).join(Customer, Customer.id == Ticket.customer_id)
            .where(Ticket.closed_at.is_not(None), Ticket.closed_at >= since, Ticket.closed_at < until, scope)
            .limit(10_000)
        )
    ]
    if not spans:
        return None
    spans.sort()
    middle = len(spans) // 2
    return spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2


def default_due_hours(settings: Settings, priority: str) -> float:
    """The configured hours to the deadline of a ticket of `priority`."""
    return settings.service.due_hours[priority]
