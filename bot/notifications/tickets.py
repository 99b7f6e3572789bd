"""Ticket deadlines: a ticket past its deadline alerts its assignee once, and the managers of the customer's team
once it is still open ``[service] escalate_after_hours`` later.

One ``INSERT … SELECT`` per kind for every zone at once, over the open tickets whose deadline fell within the
catch-up window (``ix_ticket_open_due``). The occasion is the ticket and the UTC day of its deadline, so each
deadline alerts once however many passes or replicas run; a reopened ticket's new deadline is a new occasion.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.notifications.churn_features import utc_day
from bot.notifications.claim import ClaimedNotification
from bot.notifications.notices import (
    IDS,
    Notice,
    NoticeRenderer,
    ObsoleteNotification,
    RenderContext,
    Subject,
    by_id,
    when_text,
)
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from storage.models import Customer, ManagerTeam, Ticket, User

TICKET_OVERDUE = "ticket_overdue"
TICKET_ESCALATION = "ticket_escalation"

Assignee = aliased(User, name="assignee")
Manager = aliased(User, name="manager")


def _window(clocks: ZoneClocks, after: timedelta):
    """Open tickets whose deadline (plus `after`) has passed, within the catch-up window."""
    return (Ticket.closed_at.is_(None), Ticket.due_at <= clocks.now - after,
            Ticket.due_at >= clocks.now - after - timedelta(days=clocks.catch_up_days), Customer.deleted_at.is_(None))


def enqueue_ticket_overdue(session: Session, clocks: ZoneClocks) -> int:
    """Tickets past their deadline → the assignee's DM, once per deadline."""
    dialect = session.get_bind().dialect.name
    query = (
        select(*outbox_columns(
            TICKET_OVERDUE, subject_id=Ticket.id, due_date=utc_day(Ticket.due_at, dialect),
            channel=user_channel(Ticket.assignee_id), recipient_id=Ticket.assignee_id, clocks=clocks,
            audience=Assignee,
        ))
        .select_from(Ticket)
        .join(Customer, Customer.id == Ticket.customer_id)
        .join(Assignee, Assignee.id == Ticket.assignee_id)
        .where(*_window(clocks, timedelta(0)), Assignee.deactivated_at.is_(None), clocks.in_zones(Assignee))
    )
    return insert_selected(session, query)


def enqueue_ticket_escalations(session: Session, clocks: ZoneClocks) -> int:
    """Tickets still open `escalate_after_hours` past their deadline → each manager of the customer's team."""
    dialect = session.get_bind().dialect.name
    after = timedelta(hours=clocks.settings.service.escalate_after_hours)
    query = (
        select(*outbox_columns(
            TICKET_ESCALATION, subject_id=Ticket.id, due_date=utc_day(Ticket.due_at, dialect),
            channel=user_channel(ManagerTeam.manager_id), recipient_id=ManagerTeam.manager_id, clocks=clocks,
            audience=Manager,
        ))
        .select_from(Ticket)
        .join(Customer, Customer.id == Ticket.customer_id)
        .join(Assignee, Assignee.id == Ticket.assignee_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Assignee.team_id))
        .join(Manager, Manager.id == ManagerTeam.manager_id)
        .where(*_window(clocks, after), Manager.id != Ticket.assignee_id, Manager.deactivated_at.is_(None),
               clocks.in_zones(Manager))
    )
    return insert_selected(session, query)


def _load_tickets(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return by_id(session, select(
        Ticket.id.label("subject_id"), Ticket.id, Ticket.text, Ticket.priority, Ticket.kind, Ticket.due_at,
        Ticket.closed_at, Customer.id.label("customer_id"), Customer.name.label("customer"),
        Customer.deleted_at.label("customer_deleted_at"), Assignee.display_name.label("assignee_display"),
        Assignee.name.label("assignee_name"),
    ).join(Customer, Customer.id == Ticket.customer_id).join(Assignee, Assignee.id == Ticket.assignee_id)
        .where(Ticket.id.in_(IDS)), ids)


def _check_ticket(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("ticket or customer deleted")
    if found.closed_at is not None:
        raise ObsoleteNotification("ticket closed in the meantime")
    if found.due_at.date() != row.due_date:
        raise ObsoleteNotification(f"deadline moved to {found.due_at.date()}")


def _ticket_notice(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    hours = max(int((ctx.now - found.due_at).total_seconds() // 3600), 0)
    params = {"id": found.id, "customer": found.customer, "text": found.text, "priority": found.priority,
              "due": when_text(ctx, found.due_at, found.due_at.date(), True), "hours": hours,
              "assignee": found.assignee_display or found.assignee_name}
    card = ctx.customer_card(found.customer_id, found.customer, log=True)
    name = row.kind
    line = ctx.t(f"{name}_line", **{k: params[k] for k in ("id", "customer", "assignee", "hours")})
    return Notice(row.kind, line, (ctx.reply(ctx.t(name, **params), card),))


render_ticket = NoticeRenderer(_load_tickets, _check_ticket, _ticket_notice)
