"""Automation rules (``[[automation]]`` in the config): when a domain event happens, do an action.

Each pass, every rule selects the occasions of its event with one ``INSERT … SELECT`` into ``automation_run``,
whose unique key (rule, event, subject, occasion) lets a rule fire once per occasion however many passes or
replicas see it (``ON CONFLICT DO NOTHING … RETURNING`` hands back only this pass's new runs). The action then runs
in the same transaction, set-based over those runs: ``next_step`` plans a step for the customer's owner (skipping a
customer with an open one), ``notify_owner`` / ``notify_manager`` insert outbox rows of kind ``automation`` whose
subject is the run, so delivery has the outbox's exactly-once keys, leases and retries.

| event | occasion (once per) | subject |
| --- | --- | --- |
| ticket_opened | the ticket's opening day | ticket |
| ticket_closed | the day it was closed (closed again another day: again) | ticket |
| ticket_overdue | the ticket's deadline | ticket |
| customer_at_risk | a churn warning (at most weekly) | customer |
| vip_silent | a VIP customer silent `days` since their last contact | customer |
| order_paid | the day the order was paid | order |
| deal_won | the day the deal was won | deal |

Actions: ``next_step``, ``notify_owner``, ``notify_manager``, ``send_survey`` (a survey link pushed to the owner,
through the automatic surveys' own path: `bot.notifications.survey_push.survey_customer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Date, Integer, Select, String, cast, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
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
)
from bot.notifications.outbox_sql import insert_selected, outbox_columns, user_channel
from bot.notifications.survey_push import survey_customer
from bot.notifications.zone_clocks import ZoneClocks
from bot.render import t
from bot.services.campaigns import Due, mirror_on_customers, plan_steps
from bot.services.surveys import SourceRef
from config.service import AutomationRule
from storage.models import (
    AutomationRun,
    Customer,
    ManagerTeam,
    NotificationOutbox,
    Opportunity,
    Order,
    Ticket,
    User,
)

AUTOMATION = "automation"
RUNS = AutomationRun.__table__
_CHUNK = 500

Owner = aliased(User, name="owner")
Manager = aliased(User, name="manager")


def _occasions(rule: AutomationRule, clocks: ZoneClocks, dialect: str) -> Select:
    """(subject id, customer id, occasion day) of the rule's event within the catch-up window."""
    since = clocks.now - timedelta(days=clocks.catch_up_days)
    live = Customer.deleted_at.is_(None)
    if rule.when in ("ticket_opened", "ticket_closed", "ticket_overdue"):
        column = {"ticket_opened": Ticket.created_at, "ticket_closed": Ticket.closed_at,
                  "ticket_overdue": Ticket.due_at}[rule.when]
        where = [column.is_not(None), column >= since, column <= clocks.now, live]
        if rule.when == "ticket_overdue":
            where.append(Ticket.closed_at.is_(None))
        return (select(Ticket.id, Ticket.customer_id, utc_day(column, dialect))
                .join(Customer, Customer.id == Ticket.customer_id).where(*where))
    if rule.when == "deal_won":
        return (select(Opportunity.id, Opportunity.customer_id, utc_day(Opportunity.closed_at, dialect))
                .join(Customer, Customer.id == Opportunity.customer_id)
                .where(Opportunity.status == "won", Opportunity.closed_at.is_not(None), Opportunity.closed_at >= since,
                       Opportunity.deleted_at.is_(None), live))
    if rule.when == "order_paid":
        return (select(Order.id, Order.customer_id, utc_day(Order.paid_at, dialect))
                .join(Customer, Customer.id == Order.customer_id)
                .where(Order.paid_at.is_not(None), Order.paid_at >= since, Order.deleted_at.is_(None), live))
    if rule.when == "customer_at_risk":
        return (select(NotificationOutbox.subject_id, NotificationOutbox.subject_id, NotificationOutbox.due_date)
                .join(Customer, Customer.id == NotificationOutbox.subject_id)
                .where(NotificationOutbox.kind == "churn", NotificationOutbox.created_at >= since, live).distinct())
    assert rule.when == "vip_silent" and rule.days is not None
    last = func.coalesce(Customer.last_contact_at, Customer.created_at)
    return (select(Customer.id, Customer.id, utc_day(last, dialect))
            .where(Customer.tier == "vip", live, last < clocks.now - timedelta(days=rule.days)))


def _record_runs(session: Session, rule: AutomationRule, key: str, clocks: ZoneClocks) -> list[int]:
    """Insert this pass's new firings of `rule`; their ids (only the new ones)."""
    dialect = session.get_bind().dialect.name
    occasions = _occasions(rule, clocks, dialect).subquery()
    subject, customer, day = occasions.c
    query = select(literal(key, String()), literal(rule.when, String()), cast(subject, Integer()), customer,
                   cast(day, Date()) if dialect == "postgresql" else day,
                   literal(clocks.now, RUNS.c.created_at.type)).where(subject.is_not(None))
    insert = postgresql.insert(RUNS) if dialect == "postgresql" else sqlite.insert(RUNS)
    statement = (insert.from_select(["rule", "event", "subject_id", "customer_id", "occasion", "created_at"], query)
                 .on_conflict_do_nothing().returning(RUNS.c.id))
    return [row[0] for row in session.execute(statement)]


def _act(session: Session, rule: AutomationRule, run_ids: Sequence[int], clocks: ZoneClocks) -> int:
    """The rule's action for the runs `run_ids`; returns the number of outbox rows or steps created."""
    done = 0
    for start in range(0, len(run_ids), _CHUNK):
        ids = list(run_ids[start:start + _CHUNK])
        if rule.then == "next_step":
            customers = select(AutomationRun.customer_id).where(AutomationRun.id.in_(ids))
            day = clocks.first_today + timedelta(days=rule.due_in_days)
            note = t("segments:automation_note", clocks.settings.defaults.language, rule=rule.name)
            done += plan_steps(session, Customer.id.in_(customers), author_id=None, text=note,
                               step=(rule.text or "").strip(), due=Due(day), campaign_id=None, force=False,
                               settings=clocks.settings, now=clocks.now)
            mirror_on_customers(session, campaign_id=None, now=clocks.now, customers=customers)
            continue
        if rule.then == "send_survey":
            done += _send_surveys(session, rule, ids, clocks)
            continue
        if rule.then == "notify_owner":
            query = (select(*outbox_columns(AUTOMATION, subject_id=AutomationRun.id, due_date=AutomationRun.occasion,
                                            channel=user_channel(Customer.owner_id), recipient_id=Customer.owner_id,
                                            clocks=clocks, audience=Owner))
                     .select_from(AutomationRun).join(Customer, Customer.id == AutomationRun.customer_id)
                     .join(Owner, Owner.id == Customer.owner_id)
                     .where(AutomationRun.id.in_(ids), Owner.deactivated_at.is_(None)))
        else:
            query = (select(*outbox_columns(AUTOMATION, subject_id=AutomationRun.id, due_date=AutomationRun.occasion,
                                            channel=user_channel(ManagerTeam.manager_id),
                                            recipient_id=ManagerTeam.manager_id, clocks=clocks, audience=Manager))
                     .select_from(AutomationRun).join(Customer, Customer.id == AutomationRun.customer_id)
                     .join(Owner, Owner.id == Customer.owner_id)
                     .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Owner.team_id))
                     .join(Manager, Manager.id == ManagerTeam.manager_id)
                     .where(AutomationRun.id.in_(ids), Manager.deactivated_at.is_(None)))
        done += insert_selected(session, query)
    return done


def _send_surveys(session: Session, rule: AutomationRule, run_ids: list[int], clocks: ZoneClocks) -> int:
    """A survey link for each run's customer, pushed to the owner (``min_interval_days`` holds; the ticket or order
    the event was about is the survey's subject)."""
    sent = 0
    for run in session.execute(select(AutomationRun).where(AutomationRun.id.in_(run_ids))
                               .order_by(AutomationRun.id)).scalars():
        source = SourceRef("ticket", run.subject_id) if run.event.startswith("ticket_") else (
            SourceRef("deal", run.subject_id) if run.event == "deal_won" else None)
        order_id = run.subject_id if run.event == "order_paid" else None
        sent += survey_customer(session, clocks, run.customer_id, event=run.event, subject_id=run.subject_id,
                                day=run.occasion, order_id=order_id, source=source)
    return sent


def enqueue_automation(session: Session, clocks: ZoneClocks) -> int:
    """Fire every configured rule for its new occasions; returns the outbox rows and steps created."""
    created = 0
    for index, rule in enumerate(clocks.settings.automation):
        run_ids = _record_runs(session, rule, rule.key(index), clocks)
        if run_ids:
            created += _act(session, rule, run_ids, clocks)
    return created


def _rule(settings: Any, key: str) -> AutomationRule | None:
    return next((rule for index, rule in enumerate(settings.automation) if rule.key(index) == key), None)


def _load_runs(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return by_id(session, select(
        AutomationRun.id.label("subject_id"), AutomationRun.rule, AutomationRun.event, AutomationRun.subject_id.label(
            "event_subject"), AutomationRun.occasion, Customer.id.label("customer_id"), Customer.name.label("customer"),
        Customer.deleted_at.label("customer_deleted_at"),
    ).join(Customer, Customer.id == AutomationRun.customer_id).where(AutomationRun.id.in_(IDS)), ids)


def _check_run(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("customer deleted")


def _render_run(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    rule = _rule(ctx.settings, found.rule)
    params = {"event": found.event, "customer": found.customer, "subject": found.event_subject,
              "text": (rule.text if rule else None) or "", "rule": found.rule}
    card = ctx.customer_card(found.customer_id, found.customer, log=True)
    return Notice(row.kind, ctx.t("automation_line", **params), (ctx.reply(ctx.t("automation", **params), card),))


render_automation = NoticeRenderer(_load_runs, _check_run, _render_run)

__all__ = ["AUTOMATION", "enqueue_automation", "render_automation"]
