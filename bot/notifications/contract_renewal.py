"""Contract renewal reminders (合同续约提醒): one notification kind, four occasions per contract.

- ``reminder``: `contracts.remind_before_days` (30) and `contracts.second_reminder_days` (7) before a live
  contract's last day, nobody having renewed it yet → the customer's owner (a deactivated owner's manager).
- ``rolled``: an auto-renewing contract reaches its last day → the scheduler renews it (the successor the
  database allows once, so a manual `renew` at the same moment wins or loses cleanly) and tells the owner.
- ``escalation``: a manually renewed contract ended with no renewal and no follow-up logged on the customer
  since the first reminder was due → each manager of the customer's team.

Every occasion is an outbox row keyed (kind, contract, day, audience): the reminder's own day, or the
contract's last day for the other two, so reruns, replicas and catch-up insert nothing twice. Each statement
reads ``ix_contract_live_end`` over one range of end dates covering every zone; the recipient's local date
decides row by row (`zone_clocks`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Engine, Integer, bindparam, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import GenericFunction
from sqlmodel import Session, col

from bot.actions import ActionSpec, button, declare
from bot.notifications.claim import ClaimedNotification
from bot.notifications.enqueue_due import _recipient  # a deactivated owner's pushes go to their manager
from bot.notifications.notices import Notice, NoticeRenderer, ObsoleteNotification, RenderContext, Subject
from bot.notifications.outbox_sql import OUTBOX, insert_selected, outbox_columns, user_channel
from bot.notifications.zone_clocks import ZoneClocks
from bot.services.contracts import next_term, reference
from bot.services.money import format_money
from bot.text.when import When, format_when
from storage.models import Contract, Customer, FollowUp, ManagerTeam, User
from storage.uow import unit_of_work

KIND = "contract_renewal"
REMINDER, ROLLED, ESCALATION = "reminder", "rolled", "escalation"
# The push's Renew button: `renew C<n>` as the person who clicks, in their language.
RENEW = declare(ActionSpec("contract_renew", command="renew", arguments="C{contract}",
                           label="notifications:action_renew", style="primary"))

Owner = aliased(User, name="owner")
Manager = aliased(User, name="manager")
Successor = aliased(Contract, name="successor")


class add_days(GenericFunction[date]):  # noqa: N801 (an SQL function's name)
    """``add_days(<date>, <n>)``: the date n days later, in each dialect's own date arithmetic."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


@compiles(add_days, "postgresql")
def _add_days_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + CAST({compiler.process(days, **kw)} AS INTEGER))"


def _payload(occasion: str, days: int | None = None) -> Any:
    body = {"occasion": occasion} if days is None else {"occasion": occasion, "days": days}
    return literal(json.dumps(body, sort_keys=True), OUTBOX.c.payload.type)


def _no_successor() -> Any:
    return ~exists().where(Successor.renewed_from_id == Contract.id)


def _live() -> tuple[Any, ...]:
    """The partial index's predicate exactly as declared, so both planners use it."""
    return (col(Contract.ended_on).is_(None), col(Contract.deleted_at).is_(None))


def _ends_between(clocks: ZoneClocks, user: Any, *, first: int, last: int) -> tuple[Any, ...]:
    """``ends_on`` within [today + first, today + last] of the user's local date: the plain bounds over all
    zones first (the index range), then each recipient's own window."""
    return (
        col(Contract.ends_on) >= clocks.first_today + timedelta(days=first),
        col(Contract.ends_on) <= clocks.last_today + timedelta(days=last),
        Contract.ends_on >= clocks.today(user, plus_days=first),
        Contract.ends_on <= clocks.today(user, plus_days=last),
    )


def _enqueue_reminders(session: Session, clocks: ZoneClocks, days: int, later: int | None) -> int:
    """Live contracts whose last day is `days` away (or was, within the catch-up window) → the owner.

    Only while the contract has not ended, and, when a `later` reminder exists (7 days after the 30-day one),
    only while that one is not due yet: a bot ticking for the first time, or back from downtime, sends the
    one reminder that still makes sense, not both."""
    recipient = _recipient(Owner, func.coalesce(Customer.team_id, Owner.team_id))
    query = (
        select(*outbox_columns(
            KIND, subject_id=Contract.id, due_date=add_days(Contract.ends_on, literal(-days, Integer())),
            channel=user_channel(recipient), recipient_id=recipient, clocks=clocks, audience=Owner,
            payload=_payload(REMINDER, days),
        ))
        .select_from(Contract)
        .join(Customer, Customer.id == Contract.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(
            *_live(),
            *_ends_between(clocks, Owner, first=max(days - clocks.catch_up_days, 0), last=days),
            *((Contract.ends_on > clocks.today(Owner, plus_days=later),) if later is not None else ()),
            _no_successor(),
            Customer.deleted_at.is_(None),
            recipient.is_not(None),
            clocks.in_zones(Owner),
            clocks.morning_passed(Owner),
        )
    )
    return insert_selected(session, query)


def _roll_forward(session: Session, clocks: ZoneClocks) -> int:
    """Renew every auto-renewing contract whose last day has come in its owner's zone; returns how many.

    The candidates are read with one statement and their successors written with one; a successor that
    exists already (a manual `renew`, another replica) is skipped by the unique key, not by a Python check.
    """
    rows = session.execute(
        select(Contract.id, Contract.customer_id, Contract.title, Contract.amount, Contract.currency,
               Contract.starts_on, Contract.ends_on, Customer.owner_id)
        .join(Customer, Customer.id == Contract.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(*_live(), Contract.auto_renew.is_(True),
               *_ends_between(clocks, Owner, first=-clocks.catch_up_days, last=0),
               _no_successor(), Customer.deleted_at.is_(None), clocks.in_zones(Owner),
               clocks.morning_passed(Owner))
    ).all()
    if not rows:
        return 0
    values = []
    for row in rows:
        start, end = next_term(row.starts_on, row.ends_on)
        values.append({"customer_id": row.customer_id, "title": row.title, "amount": row.amount,
                       "currency": row.currency, "starts_on": start, "ends_on": end, "auto_renew": True,
                       "renewed_from_id": row.id, "created_by": row.owner_id, "created_at": clocks.now,
                       "updated_at": clocks.now})
    table = Contract.__table__
    insert = postgresql.insert(table) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    result = session.execute(insert.on_conflict_do_nothing().execution_options(preserve_rowcount=True), values)
    return max(result.rowcount or 0, 0)


def _enqueue_rolled(session: Session, clocks: ZoneClocks) -> int:
    """Auto-renewing contracts renewed on their last day → the owner hears of the new term."""
    recipient = _recipient(Owner, func.coalesce(Customer.team_id, Owner.team_id))
    query = (
        select(*outbox_columns(
            KIND, subject_id=Contract.id, due_date=Contract.ends_on, channel=user_channel(recipient),
            recipient_id=recipient, clocks=clocks, audience=Owner, payload=_payload(ROLLED),
        ))
        .select_from(Contract)
        .join(Customer, Customer.id == Contract.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .where(
            *_live(), Contract.auto_renew.is_(True),
            *_ends_between(clocks, Owner, first=-clocks.catch_up_days, last=0),
            ~_no_successor(),
            Customer.deleted_at.is_(None),
            recipient.is_not(None),
            clocks.in_zones(Owner),
            clocks.morning_passed(Owner),
        )
    )
    return insert_selected(session, query)


def _enqueue_escalations(session: Session, clocks: ZoneClocks) -> int:
    """Manual contracts past their last day, neither renewed nor followed up since the first reminder →
    each manager of the customer's team (not the owner themself)."""
    first_reminder = add_days(Contract.ends_on, literal(-clocks.settings.contracts.remind_before_days, Integer()))
    followed_up = exists().where(FollowUp.customer_id == Contract.customer_id, FollowUp.deleted_at.is_(None),
                                 FollowUp.happened_at >= first_reminder)
    query = (
        select(*outbox_columns(
            KIND, subject_id=Contract.id, due_date=Contract.ends_on, channel=user_channel(ManagerTeam.manager_id),
            recipient_id=ManagerTeam.manager_id, clocks=clocks, audience=Manager, payload=_payload(ESCALATION),
        ))
        .select_from(Contract)
        .join(Customer, Customer.id == Contract.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .join(ManagerTeam, ManagerTeam.team_id == func.coalesce(Customer.team_id, Owner.team_id))
        .join(Manager, Manager.id == ManagerTeam.manager_id)
        .where(
            *_live(), Contract.auto_renew.is_(False),
            *_ends_between(clocks, Manager, first=-1 - clocks.catch_up_days, last=-1),
            _no_successor(),
            ~followed_up,
            Customer.deleted_at.is_(None),
            Manager.id != Customer.owner_id,
            Manager.deactivated_at.is_(None),
            clocks.in_zones(Manager),
            clocks.morning_passed(Manager),
        )
    )
    return insert_selected(session, query)


def enqueue_contract_renewals(engine: Engine, clocks: ZoneClocks) -> int:
    """The kind's enqueue step, in one transaction: roll auto-renewing contracts forward, then enqueue the
    reminders, the roll-forward notices and the escalations; returns the number of new outbox rows."""
    settings = clocks.settings.contracts
    with unit_of_work(engine) as session:
        _roll_forward(session, clocks)
        reminders = sorted({settings.remind_before_days, settings.second_reminder_days})
        added = sum(_enqueue_reminders(session, clocks, days, reminders[index - 1] if index else None)
                    for index, days in enumerate(reminders))
        return added + _enqueue_rolled(session, clocks) + _enqueue_escalations(session, clocks)


# ---- rendering ----------------------------------------------------------------------------------------

_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def _load(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    statement = (
        select(Contract.id.label("subject_id"), Contract.id, Contract.title, Contract.amount, Contract.currency,
               Contract.starts_on, Contract.ends_on, Contract.ended_on, Contract.deleted_at, Contract.auto_renew,
               Customer.id.label("customer_id"), Customer.name.label("customer"),
               Customer.deleted_at.label("customer_deleted_at"), Owner.display_name.label("owner_display"),
               Owner.name.label("owner_name"), Successor.id.label("successor_id"),
               Successor.ends_on.label("successor_ends_on"))
        .join(Customer, Customer.id == Contract.customer_id)
        .join(Owner, Owner.id == Customer.owner_id)
        .outerjoin(Successor, Successor.renewed_from_id == Contract.id)
        .where(Contract.id.in_(_IDS))
    )
    return {found.subject_id: found for found in session.execute(statement, {"ids": list(ids)})}


def _occasion(row: ClaimedNotification) -> tuple[str, int]:
    payload = row.payload or {}
    return str(payload.get("occasion", REMINDER)), int(payload.get("days", 0))


def _check(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("contract or customer deleted")
    if found.ended_on is not None:
        raise ObsoleteNotification("contract terminated")
    occasion, days = _occasion(row)
    if occasion == ROLLED:
        if found.successor_id is None:
            raise ObsoleteNotification("contract not renewed")
        return
    if found.successor_id is not None:
        raise ObsoleteNotification("contract renewed in the meantime")
    if found.ends_on is None or found.ends_on - timedelta(days=days) != row.due_date:
        raise ObsoleteNotification(f"contract end moved to {found.ends_on}")


def _render(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    occasion, _ = _occasion(row)
    tz = ctx.recipient.tz
    params = {
        "occasion": occasion, "ref": reference(found.id), "title": found.title, "customer": found.customer,
        "owner": found.owner_display or found.owner_name,
        "amount": format_money(found.amount, found.currency) if found.amount is not None else None,
        "ends": format_when(When(found.ends_on, None, tz), ctx.lang),
        "days": (found.ends_on - ctx.today).days, "auto": found.auto_renew,
        "successor": reference(found.successor_id) if found.successor_id else None,
        "successor_ends": found.successor_ends_on.isoformat() if found.successor_ends_on else None,
    }
    card = ctx.customer_card(found.customer_id, found.customer, log=True)
    if occasion != ROLLED:
        card = replace(card, actions=(button(ctx.lang, RENEW.id, contract=found.id), *card.actions))
    return Notice(row.kind, ctx.t(f"{KIND}_line", **params), (ctx.reply(ctx.t(KIND, **params), card),))


render_contract_renewal = NoticeRenderer(_load, _check, _render)
