"""The contracts table of an export (its own worksheet, or a CSV file beside the customers' one:
``book.csv`` → ``book.contracts.csv``).

Headers are the ones the contract import reads back (合同编号, 客户编号, 客户名称, 合同标题 … or contract,
customer id, customer, title …), so an exported book can be edited and imported again; ``renews`` keeps the
link between a contract and its predecessor.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlmodel import Session, col, select

from bot.exporting.sheets import RowSink
from bot.services.contracts import reference, state_of
from storage.models import Contract, Customer

CHUNK = 2000
SHEET = "contracts"  # the sheet's name: a CSV export's file beside the customers' one is book.contracts.csv
SHEET_TITLES = {"zh": "合同", "en": "contracts"}
# (key, English header, Chinese header)
CONTRACT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("ref", "contract", "合同编号"), ("customer_id", "customer id", "客户编号"), ("customer", "customer", "客户名称"),
    ("title", "title", "合同标题"), ("amount", "amount", "金额"), ("currency", "currency", "币种"),
    ("start", "start", "开始日期"), ("end", "end", "结束日期"), ("renew", "renewal", "续约方式"),
    ("renews", "renews", "续自"), ("state", "state", "状态"), ("ended_on", "terminated on", "终止日期"),
    ("reason", "reason", "终止原因"),
)  # fmt: skip
RENEWAL_WORDS = {"zh": {True: "自动", False: "手动"}, "en": {True: "auto", False: "manual"}}
STATE_WORDS = {
    "zh": {"active": "生效中", "expiring": "即将到期", "expired": "已到期", "renewed": "已续约", "ended": "已终止",
           "upcoming": "未开始"},
    "en": {"active": "active", "expiring": "ending soon", "expired": "expired", "renewed": "renewed",
           "ended": "terminated", "upcoming": "not started"},
}


def contract_headers(lang: str) -> list[str]:
    """The header row in `lang`."""
    return [zh if lang == "zh" else en for _, en, zh in CONTRACT_COLUMNS]


def write_contracts(session: Session, sink: RowSink, visible, *, lang: str, today: date, window_days: int) -> int:
    """Every live contract of the visible customers, in id order, 2,000 at a time; returns how many."""
    written = 0
    for chunk in _chunks(session, visible):
        for contract, customer_id, customer, successor in chunk:
            state = state_of(contract, today=today, successor_id=successor, window_days=window_days)
            values = {
                "ref": reference(contract.id), "customer_id": customer_id, "customer": customer,
                "title": contract.title, "amount": f"{contract.amount:.2f}" if contract.amount is not None else None,
                "currency": contract.currency, "start": contract.starts_on.isoformat(),
                "end": contract.ends_on.isoformat() if contract.ends_on else None,
                "renew": RENEWAL_WORDS[lang][contract.auto_renew],
                "renews": reference(contract.renewed_from_id) if contract.renewed_from_id else None,
                "state": STATE_WORDS[lang][state],
                "ended_on": contract.ended_on.isoformat() if contract.ended_on else None,
                "reason": contract.end_reason,
            }
            sink.write([values[key] for key, _, _ in CONTRACT_COLUMNS])
            written += 1
    return written


def _chunks(session: Session, visible) -> Iterator[list]:
    from sqlalchemy.orm import aliased

    successor = aliased(Contract, name="successor")
    last_id = 0
    while True:
        rows = session.exec(
            select(Contract, Customer.id, Customer.name, successor.id)
            .join(Customer, Customer.id == Contract.customer_id)
            .outerjoin(successor, successor.renewed_from_id == Contract.id)
            .where(visible, col(Contract.deleted_at).is_(None), Contract.id > last_id)
            .order_by(Contract.id).limit(CHUNK)
        ).all()
        if not rows:
            return
        yield list(rows)
        last_id = rows[-1][0].id or last_id
