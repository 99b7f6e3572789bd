"""Importing contracts (合同) from their own table: the 合同 / contracts worksheet of an XLSX book, a CSV file
beside the customers' one (``book.contracts.csv``), or a contracts file on its own.

Headers in Chinese or English (合同编号, 客户编号, 客户名称, 合同标题, 金额, 开始日期, 结束日期, 续约方式, 续自 … or
contract, customer id, customer, title, amount, start, end, renewal, renews …), as `crmbot export` writes them.
A row names its customer by id or by exact name, among the customers the importing user may see; amounts
take the chat's grammar (``1.2万``, ``一万二``), dates ISO or the chat's date words. Re-running an import
creates nothing twice: a row whose contract number is already that customer's contract, or whose customer,
title and start match a stored contract, is unchanged. ``renews`` links a renewal to its predecessor (in the
file or already stored), once: the database keeps one successor per contract. Everything is written in one
transaction, with one audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import platforms
from bot.access import visible_customers
from bot.clock import Clock, SystemClock
from bot.commands.parser import parse_amount
from bot.exporting.contracts import CONTRACT_COLUMNS, SHEET, SHEET_TITLES
from bot.exporting.sheets import companion_path
from bot.importing.readers import cell_text, open_table
from bot.render import t
from bot.services.contracts import record_ref
from bot.text.hygiene import formula_restored
from bot.text.when import WhenError, parse_when
from config.settings import Settings
from storage.models import AuditLog, Contract, Customer, User
from storage.uow import unit_of_work

# Header words (lower case) → column key: the export's own headers in both languages, and common variants.
HEADERS: dict[str, str] = {
    **{en: key for key, en, _ in CONTRACT_COLUMNS}, **{zh: key for key, _, zh in CONTRACT_COLUMNS},
    "合同号": "ref", "contract no": "ref", "客户id": "customer_id", "客户": "customer", "customer name": "customer",
    "合同名称": "title", "标题": "title", "合同金额": "amount", "value": "amount", "起始日期": "start",
    "生效日期": "start", "开始": "start", "到期日期": "end", "截止日期": "end", "结束": "end",
    "续约": "renew", "自动续约": "renew", "renew": "renew", "原合同": "renews",
}  # fmt: skip
RENEW_WORDS = {"自动": True, "自动续约": True, "是": True, "auto": True, "automatic": True, "yes": True,
               "手动": False, "否": False, "manual": False, "no": False, "": False}


@dataclass
class ContractImportReport:
    """What a contract import did: rows read, contracts created, rows unchanged, renewals linked, and each
    rejected row with its reason in the importer's language."""

    source: str
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    linked: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False


def contract_table(path: Path, *, sheet: str | None = None) -> tuple[Path, str | None] | None:
    """Where the contracts of the book at `path` are: (file, sheet) or None.

    An XLSX book's 合同 / contracts worksheet; a CSV's ``<name>.contracts.csv`` beside it; or `path` itself
    (with `sheet`) when its header row is a contracts header.
    """
    if is_contract_table(path, sheet=sheet):
        return path, sheet
    if path.suffix.lower() in (".xlsx", ".xlsm") and sheet is None:
        from python_calamine import CalamineWorkbook

        names = CalamineWorkbook.from_path(str(path)).sheet_names
        for title in SHEET_TITLES.values():
            if title in names:
                return path, title
        return None
    beside = companion_path(path, SHEET)
    return (beside, None) if path.suffix.lower() == ".csv" and beside.is_file() else None


def is_contract_table(path: Path, *, sheet: str | None = None) -> bool:
    """Whether the first row of `path` (its `sheet`) is a contracts header (a title and a contract column)."""
    try:
        with open_table(path, sheet=sheet) as table:
            for _, cells, _ in table.rows:
                keys = _keys(cells)
                return "title" in keys.values() and bool({"ref", "start", "end"} & set(keys.values()))
    except Exception:  # an unreadable file is the customer importer's to explain
        return False
    return False


def _keys(cells: list[object]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = HEADERS.get(cell_text(cell).strip().lower())
        if key is not None and key not in found.values():
            found[index] = key
    return found


def import_contracts(engine: Engine, settings: Settings, *, user: User, path: Path, sheet: str | None = None,
                     dry_run: bool = False, lang: str = "zh", clock: Clock | None = None) -> ContractImportReport:
    """Import the contracts table at `path` (`sheet`) as `user`; see the module for the rules."""
    lang = "zh" if lang == "zh" else "en"
    now = (clock or SystemClock()).now()
    tz = ZoneInfo(user.timezone or settings.defaults.timezone)
    report = ContractImportReport(source=f"{path.name}{f' [{sheet}]' if sheet else ''}", dry_run=dry_run)
    with open_table(path, sheet=sheet) as table:
        rows = iter(table.rows)
        header = next(rows, None)
        if header is None:
            return report
        keys = _keys(header[1])
        # `formula_restored`: a cell the export quoted (``'=…``) reads back as typed.
        records = [(line, {key: formula_restored(cell_text(cells[i]).strip()) if i < len(cells) else ""
                           for i, key in keys.items()})
                   for line, cells, _ in rows if any(cell_text(c).strip() for c in cells)]
    report.rows = len(records)
    with unit_of_work(engine) as session:
        _import(session, user, records, report, now=now, tz=tz, lang=lang)
        if dry_run:
            session.rollback()
            return report
        session.add(AuditLog(tenant=user.tenant, user_id=user.id, platform=platforms.local(), action="import",
                             entity="contract", entity_id=None, at=now, after=json.dumps(
                                 {"file": report.source, "rows": report.rows, "created": report.created,
                                  "unchanged": report.unchanged, "rejected": len(report.rejected)},
                                 ensure_ascii=False, sort_keys=True)))
    return report


def _import(session: Session, user: User, records: list[tuple[int, dict[str, str]]], report: ContractImportReport,
            *, now: datetime, tz: ZoneInfo, lang: str) -> None:
    customers = _customers(session, user, records)
    by_ref: dict[str, int] = {}  # a row's contract number → the stored contract it is (for `renews`)
    links: list[tuple[int, int, str, str]] = []  # (line, contract id, predecessor ref, its customer)
    for line, values in records:
        try:
            contract, renews = _contract(session, values, customers, now=now, tz=tz, created_by=user.id)
        except _Rejected as rejected:
            report.rejected.append((line, str(t(f"contracts:import_{rejected.key}", lang, **rejected.params))))
            continue
        if contract.id is not None:
            report.unchanged += 1
        else:
            session.add(contract)
            session.flush()
            report.created += 1
        if values.get("ref"):
            by_ref[values["ref"].upper()] = contract.id  # type: ignore[assignment]
        if renews and contract.renewed_from_id is None:
            links.append((line, contract.id, renews, contract.customer_id))  # type: ignore[arg-type]
    for line, contract_id, ref, customer_id in links:
        predecessor = by_ref.get(ref.upper()) or _stored(session, ref, customer_id)
        taken = predecessor is not None and session.exec(
            select(Contract.id).where(Contract.renewed_from_id == predecessor)).first()
        if predecessor is None or predecessor == contract_id or taken:
            key = "renewed_twice" if taken else "unknown_predecessor"
            report.rejected.append((line, str(t(f"contracts:import_{key}", lang, ref=ref))))
            continue
        session.get(Contract, contract_id).renewed_from_id = predecessor  # type: ignore[union-attr]
        session.flush()
        report.linked += 1


class _Rejected(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def _customers(session: Session, user: User, records: list[tuple[int, dict[str, str]]]) -> dict[str, int | None]:
    """The customers the rows name (by id and by exact name), among those `user` may see, in two statements;
    a name two visible customers share maps to None (ambiguous)."""
    visible = visible_customers(session, user)
    ids = {int(v["customer_id"].lstrip("#")) for _, v in records if v.get("customer_id", "").lstrip("#").isdigit()}
    names = {v["customer"] for _, v in records if v.get("customer")}
    found: dict[str, int | None] = {}
    if ids:
        for customer_id in session.exec(select(Customer.id).where(visible, col(Customer.id).in_(sorted(ids)))):
            found[f"#{customer_id}"] = customer_id
    if names:
        for customer_id, name in session.exec(
                select(Customer.id, Customer.name).where(visible, col(Customer.name).in_(sorted(names)))):
            found[name] = None if name in found else customer_id
    return found


def _contract(session: Session, values: dict[str, str], customers: dict[str, int | None], *, now: datetime,
              tz: ZoneInfo, created_by: int) -> tuple[Contract, str | None]:
    customer_id = _customer(values, customers)
    title = values.get("title", "")
    if not title:
        raise _Rejected("no_title")
    starts_on = _day(values.get("start", ""), now, tz) or now.astimezone(tz).date()
    ends_on = _day(values.get("end", ""), now, tz)
    if ends_on is not None and ends_on < starts_on:
        raise _Rejected("end_before_start", start=starts_on.isoformat(), end=ends_on.isoformat())
    amount, currency = None, values.get("currency", "").upper() or "CNY"
    if values.get("amount"):
        parsed = parse_amount(values["amount"])
        if parsed is None:
            raise _Rejected("bad_amount", value=values["amount"])
        amount, typed = parsed
        currency = typed or currency
    renew = values.get("renew", "").lower()
    if renew not in RENEW_WORDS:
        raise _Rejected("bad_renew", value=values["renew"])
    stored = _same(session, values.get("ref", ""), customer_id, title, starts_on)
    if stored is not None:
        return stored, values.get("renews") or None
    contract = Contract(customer_id=customer_id, title=title[:200], amount=amount, currency=currency[:3],
                        starts_on=starts_on, ends_on=ends_on, auto_renew=RENEW_WORDS[renew] and ends_on is not None,
                        created_by=created_by, created_at=now, updated_at=now)
    ended = _day(values.get("ended_on", ""), now, tz)
    if ended is not None:
        contract.ended_on, contract.end_reason = max(ended, starts_on), (values.get("reason") or None)
    return contract, values.get("renews") or None


def _customer(values: dict[str, str], customers: dict[str, int | None]) -> int:
    typed_id = values.get("customer_id", "").lstrip("#")
    if typed_id.isdigit() and customers.get(f"#{int(typed_id)}"):
        return customers[f"#{int(typed_id)}"]  # type: ignore[return-value]
    name = values.get("customer", "")
    if name and customers.get(name):
        return customers[name]  # type: ignore[return-value]
    if name and name in customers:
        raise _Rejected("ambiguous_customer", ref=name)
    raise _Rejected("unknown_customer", ref=name or (f"#{typed_id}" if typed_id else "—"))


def _day(text: str, now: datetime, tz: ZoneInfo) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        found = parse_when(text.split(), now=now, tz=tz)
    except WhenError:
        found = None
    if found is None or found[1] != len(text.split()):
        raise _Rejected("bad_date", value=text)
    return found[0].local_date


def _same(session: Session, ref: str, customer_id: int, title: str, starts_on: date) -> Contract | None:
    """The stored contract this row already is: its number (for that customer), or the same title and start."""
    parsed = record_ref(ref) if ref else None
    if parsed is not None and parsed[0] == "C":
        found = session.get(Contract, parsed[1])
        if found is not None and found.customer_id == customer_id and found.deleted_at is None:
            return found
    return session.exec(select(Contract).where(Contract.customer_id == customer_id, Contract.title == title[:200],
                                               Contract.starts_on == starts_on, col(Contract.deleted_at).is_(None))
                        ).first()


def _stored(session: Session, ref: str, customer_id: int) -> int | None:
    parsed = record_ref(ref)
    if parsed is None or parsed[0] != "C":
        return None
    found = session.get(Contract, parsed[1])
    return found.id if found is not None and found.customer_id == customer_id else None
