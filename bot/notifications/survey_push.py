"""Automatic surveys: when a ticket closes, and ``[surveys] after_order_days`` after a paid order (default off), the
customer's owner gets a push with a survey link ready to forward; at most one survey per customer per
``[surveys] min_interval_days`` (links made by hand with `survey` count too); the answer carries the ticket (its
source) or the order, so it links back to what the survey was about.

Each pass selects the occasions (closed tickets and paid orders within the catch-up window) with one statement per
source; each occasion is then recorded in ``automation_run``
(unique per occasion, so replicas and reruns handle it once) together with a guard row per customer and interval,
a customer surveyed within the interval is skipped (the occasion stays recorded, so it is not
surveyed late), the link is made (`bot.services.surveys.create_survey_link`) and an outbox row of kind ``survey_push`` whose
subject is the link's invite is queued, all in the pass's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.notifications.claim import ClaimedNotification
from bot.notifications.notices import (
    IDS,
    Notice,
    NoticeRenderer,
    ObsoleteNotification,
    RenderContext,
    Subject,
    by_id,
)
from bot.notifications.outbox_sql import insert_values, row_values
from bot.notifications.zone_clocks import ZoneClocks
from bot.services.surveys import SURVEY_PATH, SourceRef, create_survey_link, signing_secret, token_of
from bot.text.when import When, format_when
from storage.models import AutomationRun, Customer, Order, SurveyInvite, Ticket, User

SURVEY_PUSH = "survey_push"
RULE = "survey"  # automation_run.rule of automatic surveys
RUNS = AutomationRun.__table__


def _handled(event: str, subject: Any) -> Any:
    return exists(select(AutomationRun.id).where(AutomationRun.rule == RULE, AutomationRun.event == event,
                                                 AutomationRun.subject_id == subject))


def _candidates(session: Session, clocks: ZoneClocks) -> list[tuple[str, int, int, datetime, int | None]]:
    """(event, subject id, customer id, when it happened, order id) of this pass's survey occasions, oldest first."""
    surveys = clocks.settings.surveys
    since = clocks.now - timedelta(days=clocks.catch_up_days)
    live = and_(Customer.deleted_at.is_(None), User.deactivated_at.is_(None))
    found: list[tuple[str, int, int, datetime, int | None]] = []
    if surveys.after_ticket_close:
        found += [("ticket_closed", row[0], row[1], row[2], None) for row in session.execute(
            select(Ticket.id, Ticket.customer_id, Ticket.closed_at)
            .join(Customer, Customer.id == Ticket.customer_id).join(User, User.id == Customer.owner_id)
            .where(Ticket.closed_at.is_not(None), Ticket.closed_at >= since, Ticket.closed_at <= clocks.now, live,
                   ~_handled("ticket_closed", Ticket.id)))]
    if surveys.after_order_days is not None:
        after = timedelta(days=surveys.after_order_days)
        found += [("order_paid", row[0], row[1], row[2] + after, row[0]) for row in session.execute(
            select(Order.id, Order.customer_id, Order.paid_at)
            .join(Customer, Customer.id == Order.customer_id).join(User, User.id == Customer.owner_id)
            .where(Order.paid_at.is_not(None), Order.paid_at <= clocks.now - after,
                   Order.paid_at >= since - after, Order.deleted_at.is_(None), live,
                   ~_handled("order_paid", Order.id)))]
    return sorted(found, key=lambda c: (c[3], c[0], c[1]))


def _surveyed_lately(session: Session, customer_id: int, clocks: ZoneClocks) -> bool:
    """Whether the customer got a survey link (automatic or by hand) within ``min_interval_days``."""
    since = clocks.now - timedelta(days=clocks.settings.surveys.min_interval_days)
    return session.execute(select(exists(select(SurveyInvite.id).where(
        SurveyInvite.customer_id == customer_id, SurveyInvite.created_at > since)))).scalar_one()


def _claim(session: Session, event: str, subject_id: int, occasion: date, customer_id: int, now: datetime) -> bool:
    """Record one occasion; False when another pass recorded it first."""
    insert = postgresql.insert(RUNS) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(RUNS)
    statement = (insert.values(rule=RULE, event=event, subject_id=subject_id, occasion=occasion, customer_id=customer_id,
                               created_at=now).on_conflict_do_nothing().returning(RUNS.c.id))
    return session.execute(statement).first() is not None


def enqueue_survey_pushes(session: Session, clocks: ZoneClocks) -> int:
    """Make the links of this pass's survey occasions and queue their pushes to the owners; returns the pushes."""
    queued, surveyed = 0, set[int]()
    for event, subject_id, customer_id, happened, order_id in _candidates(session, clocks):
        day = happened.date()
        if not _claim(session, event, subject_id, day, customer_id, clocks.now) or customer_id in surveyed:
            continue  # another pass has it, or this customer got a survey a moment ago
        source = SourceRef("ticket", subject_id) if event == "ticket_closed" else None
        if survey_customer(session, clocks, customer_id, event=event, subject_id=subject_id, day=day,
                           order_id=order_id, source=source):
            surveyed.add(customer_id)
            queued += 1
    return queued


def survey_customer(session: Session, clocks: ZoneClocks, customer_id: int, *, event: str, subject_id: int, day: date,
                    order_id: int | None = None, source: SourceRef | None = None) -> bool:
    """Make the customer's survey link and queue its push to the owner, unless the customer had a survey within
    ``min_interval_days`` (False then). Also what the automation action ``send_survey`` runs."""
    interval = clocks.settings.surveys.min_interval_days
    if _surveyed_lately(session, customer_id, clocks):
        return False
    # One guard row per customer and interval: two replicas never both survey one customer in an interval.
    bucket = date.fromordinal(clocks.first_today.toordinal() // interval * interval)
    if not _claim(session, "customer", customer_id, bucket, customer_id, clocks.now):
        return False
    customer = session.get(Customer, customer_id)
    owner = session.get(User, customer.owner_id) if customer else None
    if customer is None or owner is None or owner.deactivated_at is not None:
        return False
    link = create_survey_link(session, settings=clocks.settings, creator=owner, customer=customer, now=clocks.now,
                              order_id=order_id, source=source)
    moment = clocks.moment(owner.timezone or clocks.settings.defaults.timezone)
    insert_values(session, [row_values(
        SURVEY_PUSH, subject_id=link.invite_id, due_date=day, channel=f"user:{owner.id}", recipient_id=owner.id,
        not_before=clocks.not_before_in(moment) if moment else clocks.now, now=clocks.now,
        payload={"event": event, "subject": subject_id})])
    return True


def _load_invites(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return by_id(session, select(
        SurveyInvite.id.label("subject_id"), SurveyInvite, Customer.name.label("customer"),
        Customer.deleted_at.label("customer_deleted_at"),
    ).join(Customer, Customer.id == SurveyInvite.customer_id).where(SurveyInvite.id.in_(IDS)), ids)


def _check_invite(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("customer deleted")
    if found.SurveyInvite.answered_at is not None:
        raise ObsoleteNotification("survey answered already")


def _render_invite(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    invite: SurveyInvite = found.SurveyInvite
    url = f"{ctx.settings.public_base_url}{SURVEY_PATH}{token_of(signing_secret(ctx.session), invite)}"
    payload = row.payload or {}
    expires = invite.expires_at.astimezone(ctx.recipient.tz)
    params = {"customer": found.customer, "event": payload.get("event", ""), "subject": payload.get("subject"),
              "url": url, "expires": format_when(When(expires.date(), None, ctx.recipient.tz), ctx.lang)}
    card = ctx.customer_card(invite.customer_id, found.customer, log=True)
    return Notice(row.kind, ctx.t("survey_push_line", **params), (ctx.reply(ctx.t("survey_push", **params), card),))


render_survey_push = NoticeRenderer(_load_invites, _check_invite, _render_invite)
