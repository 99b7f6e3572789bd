"""Contracts (合同): terms, states, look-ups with access control, renewals and the automatic roll-forward.

A contract is ``C<id>``. Its state is derived, never stored: *ended* once terminated (`end`), *renewed* once a
successor links to it, *expired* after its last day without one, else *active* (*expiring* within the reminder
window). One successor per contract is the database's rule (``uq_contract_renewed_from``), which is what makes
two concurrent renewals, or a renewal racing the roll-forward, create one contract.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.access import visible_customers
from bot.errors import UserError
from storage.models import Contract, Customer

PREFIX = "C"
# ``C12``, ``c12``, ``C-12``: how a contract is referred to (the `show` / `edit` variants take this form).
REF_PATTERN = r"[Cc]-?\d{1,12}"
_REF = re.compile(r"^([A-Za-z])-?(\d{1,12})$")
Successor = aliased(Contract, name="successor")


def record_ref(text: str) -> tuple[str, int] | None:
    """``C12`` → (``C``, 12): a letter-and-number record reference, or None."""
    match = _REF.match(text.strip())
    return (match[1].upper(), int(match[2])) if match else None


def reference(contract_id: int | None) -> str:
    """``C12``."""
    return f"{PREFIX}{contract_id}"


def parse_reference(text: str) -> int:
    """The id of ``C12`` / ``c12`` / ``#12``; UserError ``contracts:bad_ref`` otherwise."""
    stripped = text.strip()
    if stripped.startswith("#") and stripped[1:].isdigit() and len(stripped) <= 13:
        return int(stripped[1:])
    ref = record_ref(stripped)
    if ref is None or ref[0] != PREFIX:
        raise UserError("contracts:bad_ref", ref=text)
    return ref[1]


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, the day of the month clamped (Jan 31 + 1 month → Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_months(starts_on: date, ends_on: date) -> int | None:
    """How many whole months a term spans when it is a whole number of months (2026-01-01 … 2026-12-31 → 12),
    else None (the next term then has the same number of days)."""
    after = ends_on + timedelta(days=1)
    months = (after.year - starts_on.year) * 12 + after.month - starts_on.month
    return months if months > 0 and add_months(starts_on, months) == after else None


def next_term(starts_on: date, ends_on: date) -> tuple[date, date]:
    """The term that follows ``starts_on … ends_on``: from the day after, as long (in months when whole)."""
    start = ends_on + timedelta(days=1)
    months = term_months(starts_on, ends_on)
    if months is not None:
        return start, add_months(start, months) - timedelta(days=1)
    return start, start + (ends_on - starts_on)


def state_of(contract: Contract, *, today: date, successor_id: int | None, window_days: int) -> str:
    """``ended`` / ``renewed`` / ``expired`` / ``expiring`` / ``active`` / ``upcoming`` (starts later)."""
    if contract.ended_on is not None:
        return "ended"
    if successor_id is not None:
        return "renewed"
    if contract.ends_on is not None and contract.ends_on < today:
        return "expired"
    if contract.starts_on > today:
        return "upcoming"
    if contract.ends_on is not None and contract.ends_on <= today + timedelta(days=window_days):
        return "expiring"
    return "active"


@dataclass(frozen=True)
class Found:
    """A contract with its customer, its successor's id and its predecessor's id (when renewed from one)."""

    contract: Contract
    customer: Customer
    successor_id: int | None


def find_contract(session: Session, user: Any, ref: str, *, for_update: bool = False) -> Found:
    """The contract ``ref`` names among the customers `user` may see; UserError ``contracts:not_found``.

    `for_update` holds the contract's row until the transaction ends: concurrent edits, ends and renewals
    of one contract queue on it (SQLite's writers queue on the database already).
    """
    contract_id = parse_reference(ref)
    statement = (
        select(Contract, Customer, Successor.id)
        .join(Customer, Customer.id == Contract.customer_id)
        .outerjoin(Successor, Successor.renewed_from_id == Contract.id)
        .where(Contract.id == contract_id, Contract.deleted_at.is_(None), visible_customers(session, user))
    )
    if for_update:
        statement = statement.with_for_update(of=Contract)
    row = session.exec(statement).first()
    if row is None:
        raise UserError("contracts:not_found", ref=reference(contract_id))
    contract, customer, successor_id = row
    return Found(contract, customer, successor_id)


def successor_of(session: Session, contract_id: int) -> int | None:
    """The id of the contract renewing `contract_id`, if any."""
    return session.exec(select(Contract.id).where(Contract.renewed_from_id == contract_id)).first()


SCOPES = ("all", "expiring", "mine", "team", "ended")
SCOPE_WORDS = {"expiring": "expiring", "即将到期": "expiring", "到期": "expiring", "快到期": "expiring",
               "mine": "mine", "我的": "mine", "team": "team", "团队": "team", "all": "all", "全部": "all",
               "ended": "ended", "已结束": "ended", "历史": "ended"}


@dataclass(frozen=True)
class ContractRow:
    """One line of `contracts`: the contract, its customer's id and name, its successor's id."""

    contract: Contract
    customer_id: int
    customer_name: str
    successor_id: int | None


def list_contracts(session: Session, user: Any, *, scope: str, today: date, window_days: int,
                   limit: int, offset: int = 0) -> tuple[list[ContractRow], int]:
    """A page of the contracts `user` may see in `scope`, soonest end first, and how many there are in all.

    ``all`` (the default) is every live contract (not terminated, not renewed, not long expired);
    ``expiring`` those ending within `window_days`; ``mine`` those of customers the user owns; ``team``
    those of the user's team(s); ``ended`` the terminated, renewed and expired ones, latest first.
    """
    live = and_(col(Contract.ended_on).is_(None), col(Successor.id).is_(None),
                or_(col(Contract.ends_on).is_(None), col(Contract.ends_on) >= today))
    where: list[ColumnElement[bool]] = [col(Contract.deleted_at).is_(None), visible_customers(session, user)]
    order: list[Any] = [col(Contract.ends_on).is_(None), col(Contract.ends_on), col(Contract.id)]
    if scope == "ended":
        where.append(~live)
        order = [col(Contract.ends_on).desc(), col(Contract.id).desc()]
    else:
        where.append(live)
    if scope == "expiring":
        where.append(col(Contract.ends_on) <= today + timedelta(days=window_days))
    elif scope == "mine":
        where.append(col(Customer.owner_id) == user.id)
    elif scope == "team":
        from bot.access import managed_team_ids

        teams = set(managed_team_ids(session, user)) | ({user.team_id} if user.team_id is not None else set())
        where.append(col(Customer.team_id).in_(sorted(teams)) if teams else col(Customer.owner_id) == user.id)
    base = (select(Contract, Customer.id, Customer.name, Successor.id)
            .join(Customer, Customer.id == Contract.customer_id)
            .outerjoin(Successor, Successor.renewed_from_id == Contract.id)
            .where(*where))
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    rows = session.exec(base.order_by(*order).limit(limit).offset(offset)).all()
    return [ContractRow(c, cid, name, succ) for c, cid, name, succ in rows], int(total)


def live_contracts_of(session: Session, customer_id: int, *, today: date,
                      limit: int = 100) -> list[tuple[Contract, int | None]]:
    """The customer's contracts still in force or not yet started (with a successor id when renewed early),
    soonest end first, at most `limit`: what the card shows."""
    rows = session.exec(
        select(Contract, Successor.id)
        .outerjoin(Successor, Successor.renewed_from_id == Contract.id)
        .where(Contract.customer_id == customer_id, Contract.deleted_at.is_(None), Contract.ended_on.is_(None),
               or_(col(Contract.ends_on).is_(None), col(Contract.ends_on) >= today))
        .order_by(col(Contract.ends_on).is_(None), col(Contract.ends_on), col(Contract.id))
        .limit(limit)
    ).all()
    return [(contract, successor) for contract, successor in rows]


def renewal_of(contract: Contract, *, ends_on: date | None, amount: Decimal | None, created_by: int,
               now: datetime) -> Contract:
    """The successor of `contract`: from the day after it ends, as long as it was (or until `ends_on`), with
    the same title, amount, currency and renewal mode (or the new `amount`)."""
    if contract.ends_on is None:
        raise UserError("contracts:renew_open_ended", ref=reference(contract.id))
    start, default_end = next_term(contract.starts_on, contract.ends_on)
    end = ends_on or default_end
    if end < start:
        raise UserError("contracts:end_before_start", start=start.isoformat(), end=end.isoformat())
    return Contract(customer_id=contract.customer_id, title=contract.title,
                    amount=amount if amount is not None else contract.amount, currency=contract.currency,
                    starts_on=start, ends_on=end, auto_renew=contract.auto_renew, renewed_from_id=contract.id,
                    created_by=created_by, created_at=now, updated_at=now)
