"""`export_customers`: the customers a user may see, with contacts, orders, the last follow-up and the whole
follow-up history (a second sheet, or a second CSV file beside the first: `bot.exporting.history`), to CSV or
XLSX; and their contracts, on a sheet (or CSV file) of their own too (`bot.exporting.contracts`).

Only admins and managers export (a rep's book leaving the system is a manager's decision); every export
is recorded in the audit log. Customers are read in id order, 2,000 at a time, as column tuples (no ORM
entities): one query for the customers, one for their contacts, one for their latest follow-ups.

Headers are the importer's own (客户名称, 电话, 负责人, 联系人, 生日 … or name, phone, owner …) and choice
values are words the importer reads back, so an exported file can be edited and imported again: the id
column makes the importer match the row to its customer first, ``tier set by`` keeps levels set by hand
apart from computed ones, and contacts, orders, the open next step and the last follow-up come back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import platforms
from bot.access import visible_customers
from bot.calendar.birthdays import Birthday, format_birthday
from bot.clock import Clock, SystemClock
from bot.exporting import history
from bot.exporting.contracts import SHEET, SHEET_TITLES, contract_headers, write_contracts
from bot.exporting.sheets import format_of, open_sheets
from bot.pipeline.stages import StageRegistry, stage_registry
from config.settings import Settings
from storage.models import AuditLog, Contact, Customer, FollowUp, Opportunity, Order, Team, User
from storage.uow import unit_of_work

CHUNK = 2000
# (key, English header, Chinese header)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "id", "编号"), ("name", "name", "客户名称"), ("kind", "kind", "类型"), ("industry", "industry", "行业"),
    ("region", "region", "地区"), ("address", "address", "地址"), ("phone", "phone", "电话"),
    ("email", "email", "邮箱"), ("source", "source", "来源"), ("tags", "tags", "标签"), ("owner", "owner", "负责人"),
    ("team", "team", "团队"), ("tier", "tier", "等级"), ("tier_source", "tier set by", "等级来源"),
    ("stage", "stage", "阶段"), ("deals", "deals", "商机"),
    ("next_step", "next step", "下一步"), ("next_followup", "next follow-up", "下次跟进"),
    ("last_contact", "last contact", "最近联系"), ("contact_name", "contact", "联系人"),
    ("contact_title", "title", "职位"), ("contact_phone", "contact phone", "联系人电话"),
    ("contact_email", "contact email", "联系人邮箱"), ("birthday", "birthday", "生日"),
    ("more_contacts", "more contacts", "其他联系人"), ("last_followup_at", "last follow-up at", "最近跟进时间"),
    ("last_followup", "last follow-up", "最近跟进"), ("orders", "orders", "订单"), ("notes", "notes", "备注"),
    ("timezone", "timezone", "时区"),
    ("created_at", "created at", "创建时间"),
)  # fmt: skip
_WORDS_ZH = {
    "kind": {"company": "公司", "person": "个人"},
    "tier": {"vip": "vip", "key": "重点", "normal": "普通"},
    "stage": {"lead": "线索", "first_purchase": "首购", "repeat": "复购", "loyal": "忠诚", "at_risk": "有风险",
              "churned": "流失"},
}
_CUSTOMER_COLUMNS = (
    Customer.id, Customer.name, Customer.kind, Customer.industry, Customer.region, Customer.address, Customer.phone,
    Customer.email, Customer.source, Customer.tags, Customer.tier, Customer.tier_manual, Customer.stage,
    Customer.next_step,
    Customer.next_followup_at, Customer.last_contact_at, Customer.notes, Customer.timezone, Customer.created_at,
)  # fmt: skip


class ExportNotAllowed(PermissionError):
    """The user may not export (reps cannot)."""


@dataclass(frozen=True)
class ExportReport:
    """What was written."""

    path: Path
    format: str
    customers: int
    contacts: int
    audit_id: int
    contracts: int = 0  # on their own worksheet (XLSX) or in <name>.contracts.csv beside the file


def export_customers(
    engine: Engine,
    settings: Settings,
    *,
    user: User,
    path: str | Path,
    lang: str = "zh",
    clock: Clock | None = None,
) -> ExportReport:
    """Write the customers ``user`` may see to ``path`` (.csv or .xlsx) and audit it.

    Raises ``ExportNotAllowed`` for reps and deactivated users, ``UnsupportedFormat`` for other suffixes.
    """
    if user.role not in ("admin", "manager") or user.deactivated_at is not None:
        raise ExportNotAllowed(f"only admins and managers can export customers; {user.name} is a {user.role}")
    target = Path(path)
    fmt = format_of(target)
    lang = "zh" if lang == "zh" else "en"
    tz = ZoneInfo(user.timezone or settings.defaults.timezone)
    customers = contacts = 0
    headers = [zh if lang == "zh" else en for _, en, zh in COLUMNS]
    stages = stage_registry(settings)
    sheets = [("customers", "客户" if lang == "zh" else "customers", headers),
              (history.NAME, history.TITLES[lang], history.headers(lang)),
              (SHEET, SHEET_TITLES[lang], contract_headers(lang))]
    now = (clock or SystemClock()).now()
    with Session(engine) as session, open_sheets(target, sheets) as (sheet, followups, contract_sheet):
        for chunk in _customer_chunks(session, user):
            ids = [row.id for row in chunk]
            contacts_by_customer = _contacts(session, ids)
            last = _last_followups(session, ids)
            orders = _orders(session, ids)
            deals = _deals(session, ids, stages, lang)
            dates_only = _date_only_steps(session, ids)
            for row in chunk:
                people = contacts_by_customer.get(row.id, [])
                contacts += len(people)
                sheet.write(_line(row, people, last.get(row.id), lang=lang, tz=tz, orders=orders.get(row.id, []),
                                  date_only=dates_only.get(row.id), deals=deals.get(row.id)))
                customers += 1
            for line in history.history_rows(session, {row.id: row.name for row in chunk}, lang=lang, tz=tz):
                followups.write(line)
        contracts = write_contracts(session, contract_sheet, visible_customers(session, user), lang=lang,
                                    today=now.astimezone(tz).date(),
                                    window_days=settings.contracts.remind_before_days)
    with unit_of_work(engine) as session:
        audit = AuditLog(tenant=user.tenant, user_id=user.id, platform=platforms.local(), action="export", entity="customer",
                         entity_id=None, at=now, after=json.dumps(
                             {"file": target.name, "format": fmt, "customers": customers, "contacts": contacts,
                              "contracts": contracts},
                             ensure_ascii=False, sort_keys=True))
        session.add(audit)
        session.flush()
        audit_id = audit.id
    return ExportReport(target, fmt, customers, contacts, audit_id, contracts)  # type: ignore[arg-type]


def _customer_chunks(session: Session, user: User):
    visible = visible_customers(session, user)
    last_id = 0
    while True:
        statement = (
            select(*_CUSTOMER_COLUMNS, User.name.label("owner"), Team.name.label("team"))
            .join(User, User.id == Customer.owner_id)
            .outerjoin(Team, Team.id == Customer.team_id)
            .where(visible, Customer.id > last_id)
            .order_by(Customer.id)
            .limit(CHUNK)
        )
        chunk = session.exec(statement).all()
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].id


def _contacts(session: Session, ids: list[int]) -> dict[int, list]:
    rows = session.exec(
        select(Contact.customer_id, Contact.name, Contact.title, Contact.phone, Contact.email, Contact.birthday_month,
               Contact.birthday_day, Contact.birthday_is_lunar, Contact.birthday_is_leap_month, Contact.birthday_year)
        .where(Contact.customer_id.in_(ids), Contact.deleted_at.is_(None))
        .order_by(Contact.customer_id, Contact.id)
    ).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.customer_id, []).append(row)
    return grouped


def _last_followups(session: Session, ids: list[int]) -> dict[int, tuple]:
    """The latest follow-up of each customer: one index seek each on (customer_id, happened_at)."""
    latest = (
        select(FollowUp.id)
        .where(FollowUp.customer_id == Customer.id, FollowUp.deleted_at.is_(None))
        .order_by(FollowUp.happened_at.desc(), FollowUp.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    followup_ids = [fid for fid in session.exec(select(latest).where(Customer.id.in_(ids))).all() if fid is not None]
    if not followup_ids:
        return {}
    rows = session.exec(
        select(FollowUp.customer_id, FollowUp.kind, FollowUp.text, FollowUp.happened_at, User.name)
        .join(User, User.id == FollowUp.author_id)
        .where(FollowUp.id.in_(followup_ids))
    ).all()
    return {row[0]: row[1:] for row in rows}


def _date_only_steps(session: Session, ids: list[int]) -> dict[int, date]:
    """The due dates of open next steps without a time, by customer: exported as a date, not a time of day."""
    rows = session.exec(
        select(FollowUp.customer_id, FollowUp.next_due_date)
        .where(FollowUp.customer_id.in_(ids), FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None),
               FollowUp.deleted_at.is_(None), FollowUp.next_due_has_time.is_(False))
    ).all()
    return {customer_id: day for customer_id, day in rows if day is not None}


def _orders(session: Session, ids: list[int]) -> dict[int, list]:
    """Each customer's orders, oldest first (one query per chunk)."""
    rows = session.exec(
        select(Order.customer_id, Order.ordered_on, Order.amount, Order.currency, Order.items)
        .where(Order.customer_id.in_(ids), Order.deleted_at.is_(None))
        .order_by(Order.customer_id, Order.ordered_on, Order.id)
    ).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.customer_id, []).append(row)
    return grouped


def _deals(session: Session, ids: list[int], stages: StageRegistry, lang: str) -> dict[int, str]:
    """Each customer's deals as one cell, oldest first: ``pumps · 方案报价 · 120000.00 CNY · 2026-12-31``
    (``-`` for no amount or no date), ``; `` between deals — what the importer reads back."""
    rows = session.exec(
        select(Opportunity.customer_id, Opportunity.title, Opportunity.stage, Opportunity.amount,
               Opportunity.currency, Opportunity.expected_close)
        .where(Opportunity.customer_id.in_(ids), Opportunity.deleted_at.is_(None))
        .order_by(Opportunity.customer_id, Opportunity.id)
    ).all()
    cells: dict[int, list[str]] = {}
    for customer_id, title, stage, amount, currency, close in rows:
        money = f"{amount:.2f} {currency}" if amount is not None else "-"
        cells.setdefault(customer_id, []).append(
            f"{title} · {stages.get(stage).name(lang)} · {money} · {close.isoformat() if close else '-'}")
    return {customer_id: "; ".join(parts) for customer_id, parts in cells.items()}


def describe_order(order) -> str:
    """``2024-03-01 5000.00 CNY · 10 pumps``: what the importer reads back into an order."""
    text = f"{order.ordered_on.isoformat()} {order.amount:.2f} {order.currency}"
    return f"{text} · {order.items}" if order.items else text


def _line(row, contacts: list, last: tuple | None, *, lang: str, tz: ZoneInfo, orders: Sequence[Any] = (),
          date_only: date | None = None, deals: str | None = None) -> list[object]:
    first = contacts[0] if contacts else None
    values = {
        "id": row.id, "name": row.name, "kind": _word("kind", row.kind, lang), "industry": row.industry,
        "region": row.region, "address": row.address, "phone": row.phone, "email": row.email, "source": row.source,
        "tags": ",".join(t for t in (row.tags or "").split(",") if t), "owner": row.owner, "team": row.team,
        "tier": _word("tier", row.tier, lang), "stage": _word("stage", row.stage, lang), "next_step": row.next_step,
        "tier_source": _TIER_SOURCE[lang][bool(row.tier_manual)],
        "orders": "; ".join(describe_order(order) for order in orders) or None, "deals": deals,
        "next_followup": date_only.isoformat() if date_only else _local(row.next_followup_at, tz), "last_contact": _local(row.last_contact_at, tz),
        "contact_name": first.name if first else None, "contact_title": first.title if first else None,
        "contact_phone": first.phone if first else None, "contact_email": first.email if first else None,
        "birthday": _birthday(first, lang) if first else None,
        "more_contacts": "; ".join(_describe_contact(c, lang) for c in contacts[1:]) or None,
        "last_followup_at": _local(last[2], tz) if last else None,
        "last_followup": f"{last[0]} · {last[3]}: {last[1]}" if last else None,
        "notes": row.notes, "timezone": row.timezone, "created_at": _local(row.created_at, tz),
    }  # fmt: skip
    return [values[key] for key, _, _ in COLUMNS]


_TIER_SOURCE = {"zh": {True: "手动", False: "自动"}, "en": {True: "manual", False: "auto"}}


def _word(kind: str, value: str | None, lang: str) -> str | None:
    if value is None or lang != "zh":
        return value
    return _WORDS_ZH[kind].get(value, value)


def _local(at: datetime | None, tz: ZoneInfo) -> str | None:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else None


def _birthday(contact, lang: str) -> str | None:
    if not contact.birthday_month or not contact.birthday_day:
        return None
    return format_birthday(Birthday(contact.birthday_month, contact.birthday_day, contact.birthday_is_lunar,
                                    contact.birthday_is_leap_month, contact.birthday_year), lang)


def _describe_contact(contact, lang: str) -> str:
    parts = [contact.name, contact.title, contact.phone, contact.email, _birthday(contact, lang)]
    return " · ".join(part for part in parts if part)
