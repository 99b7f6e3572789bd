"""A demo customer's contracts: about a third of the buying customers hold an annual (or two-year) contract,
most of them in force with ends spread over the coming year (so `contracts expiring` and the renewal
reminders have something to say), some renewed from an expired predecessor, some renewing automatically."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from bot.demo.book import DemoCustomer
from bot.services.contracts import add_months

CONTRACT_SHARE = 0.35
AUTO_SHARE = 0.3
RENEWED_SHARE = 0.3
TITLES_ZH = ("年度服务合同", "设备采购框架协议", "维保合同", "软件许可协议", "年度供货合同")
TITLES_EN = ("Annual service agreement", "Supply framework", "Maintenance contract", "Software licence",
             "Annual supply contract")


def add_contracts(customer: DemoCustomer, rng: random.Random, *, today: date) -> None:
    """Fill ``customer.contracts`` (rows without ids; ``renews`` is the index of the contract renewed)."""
    if not customer.orders or rng.random() > CONTRACT_SHARE:
        return
    months = rng.choice((12, 12, 12, 24))
    ends = today + timedelta(days=rng.randint(-20, 360))
    starts = add_months(ends + timedelta(days=1), -months)
    title = rng.choice(TITLES_EN if customer.english else TITLES_ZH)
    amount = Decimal(round(rng.lognormvariate(11.0, 0.8), -3) or 10_000).quantize(Decimal("0.01"))
    currency = "USD" if customer.english else "CNY"
    auto = rng.random() < AUTO_SHARE
    created = datetime.combine(min(starts, today), time(2), tzinfo=UTC)
    renews = None
    if rng.random() < RENEWED_SHARE:
        before_start = add_months(starts, -months)
        customer.contracts.append(_row(customer, title, amount, currency, before_start, starts - timedelta(days=1),
                                       auto, None, datetime.combine(before_start, time(2), tzinfo=UTC)))
        renews = len(customer.contracts) - 1
    customer.contracts.append(_row(customer, title, amount, currency, starts, ends, auto, renews, created))


def _row(customer: DemoCustomer, title: str, amount: Decimal, currency: str, starts: date, ends: date, auto: bool,
         renews: int | None, created: datetime) -> dict:
    return {
        "customer_id": None, "title": title, "amount": amount, "currency": currency, "starts_on": starts,
        "ends_on": ends, "auto_renew": auto, "renewed_from_id": None, "renews": renews, "ended_on": None,
        "end_reason": None, "created_by": customer.owner.id, "created_at": created, "updated_at": created,
        "deleted_at": None,
    }  # fmt: skip
