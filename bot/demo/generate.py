"""`generate_demo`: fill an empty database with a realistic, seeded sales organisation and its history.

The data goes into the terminal chat's tenant, so ``crmbot chat --as mgr_east`` (a manager) or ``--as admin``
sees it at once. Customers are generated and written 2,000 at a time, each batch in one transaction with
ids allocated up front and one compiled executemany per table (no ORM objects, no per-row parameter
assembly): 60,000 customers with 1.4M follow-ups take well under a minute on a small machine.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, text

from bot import platforms
from bot.demo.activity import add_activity
from bot.demo.book import DemoCustomer, make_customer
from bot.demo.contracts import add_contracts
from bot.demo.deals import add_deals
from bot.demo.people import ADMIN_NAME, create_organisation
from bot.importing.bulk import allocate_ids, insert_rows
from config.settings import Settings
from storage.db import is_sqlite
from storage.models import Contact, Contract, Customer, DealStageVisit, FollowUp, Opportunity, Order, User

CHUNK = 2000


class DemoError(RuntimeError):
    """The demo cannot be generated here (the tenant already has data)."""


@dataclass(frozen=True)
class DemoReport:
    """What was generated."""

    tenant: str
    users: int
    teams: int
    customers: int
    contacts: int
    followups: int
    orders: int
    seconds: float
    # Who to try it as: ("rep", name), ("manager", name), ("admin", name); the rep is in the manager's team.
    logins: tuple[tuple[str, str], ...] = ()
    contracts: int = 0


def generate_demo(
    engine: Engine,
    settings: Settings,
    *,
    customers: int = 2000,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Generate ``customers`` customers (and their organisation and history) for ``seed``.

    The same seed and ``now`` give the same data, row for row. Raises ``DemoError`` if the terminal
    chat's tenant already has customers or demo users, ``ValueError`` for a negative count.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.astimezone(ZoneInfo(settings.defaults.timezone)).date()
    tenant = settings.tenant_for(platforms.local(), "")
    writer = engine.execution_options(sqlite_immediate=True) if is_sqlite(engine) else engine
    with writer.begin() as conn:
        _refuse_non_empty(conn, tenant)
        organisation = create_organisation(conn, tenant=tenant, customers=customers, rng=random.Random(seed), now=now)
        logins = _logins(conn, organisation)
    totals = {"contacts": 0, "followups": 0, "orders": 0, "deals": 0, "contracts": 0}
    reps = organisation.reps
    for start in range(0, customers, CHUNK):
        batch: list[DemoCustomer] = []
        for number in range(start, min(start + CHUNK, customers)):
            rng = random.Random(f"{seed}:{number}")
            owner = reps[rng.randrange(len(reps))]
            customer = make_customer(number, rng, owner=owner, tenant=tenant, now=now, today=today)
            add_activity(customer, rng, now=now, today=today, platform="slack" if customer.english else "dingtalk")
            add_deals(customer, seed, number, now=now, today=today)
            add_contracts(customer, rng, today=today)
            batch.append(customer)
        with writer.begin() as conn:
            for key, count in _write_batch(conn, batch).items():
                totals[key] += count
        if progress is not None:
            progress(min(start + CHUNK, customers), customers)
    with engine.begin() as conn:
        # Fresh statistics so the planner picks the indexes the hot queries were written for.
        conn.execute(text("ANALYZE"))
    return DemoReport(
        tenant=tenant, users=1 + len(organisation.managers) + len(reps), teams=len(organisation.team_ids),
        customers=customers, contacts=totals["contacts"], followups=totals["followups"], orders=totals["orders"],
        seconds=time.perf_counter() - started, logins=logins, contracts=totals["contracts"],
    )


def _logins(conn, organisation) -> tuple[tuple[str, str], ...]:
    """A rep of the first team, that team's manager, and the admin, by the names `crmbot chat --as` takes."""
    first_team = organisation.team_ids[0]
    rep = next(r for r in organisation.reps if r.team_id == first_team)
    wanted = (("rep", rep.id), ("manager", organisation.managers[first_team]), ("admin", organisation.admin_id))
    names = dict(conn.execute(select(User.__table__.c.id, User.__table__.c.name).where(
        User.__table__.c.id.in_([user_id for _, user_id in wanted]))).all())
    return tuple((role, names[user_id]) for role, user_id in wanted)


def _refuse_non_empty(conn, tenant: str) -> None:
    existing = conn.execute(select(func.count()).select_from(Customer.__table__).where(
        Customer.__table__.c.tenant == tenant)).scalar_one()
    admin = conn.execute(select(User.__table__.c.id).where(
        User.__table__.c.tenant == tenant, User.__table__.c.name == ADMIN_NAME)).first()
    if existing or admin is not None:
        raise DemoError(f"tenant {tenant!r} already has data ({existing} customers); generate the demo into an "
                        "empty database: point CRM_DATA_DIR at a new folder, e.g. CRM_DATA_DIR=~/crm-demo crmbot demo")


def _write_batch(conn, batch: list[DemoCustomer]) -> dict[str, int]:
    customer_ids = allocate_ids(conn, Customer.__table__, len(batch))
    contacts: list[dict] = []
    followups: list[dict] = []
    orders: list[dict] = []
    for customer, customer_id in zip(batch, customer_ids, strict=True):
        customer.values["id"] = customer_id
        for row in customer.contacts:
            row["customer_id"] = customer_id
        for row in customer.followups:
            row["customer_id"] = customer_id
        for row in customer.orders:
            row["customer_id"] = customer_id
        contacts.extend(customer.contacts)
        followups.extend(customer.followups)
        orders.extend(customer.orders)
    insert_rows(conn, Customer.__table__, [c.values for c in batch])
    for table, rows in ((Contact.__table__, contacts), (FollowUp.__table__, followups), (Order.__table__, orders)):
        for row, row_id in zip(rows, allocate_ids(conn, table, len(rows)), strict=True):
            row["id"] = row_id
        insert_rows(conn, table, rows)
    deals = [(customer_id, deal, visits) for customer, customer_id in zip(batch, customer_ids, strict=True)
             for deal, visits in customer.deals]
    stays: list[dict] = []
    for (customer_id, deal, visits), deal_id in zip(deals, allocate_ids(conn, Opportunity.__table__, len(deals)),
                                                    strict=True):
        deal.update(id=deal_id, customer_id=customer_id)
        stays.extend({**visit, "deal_id": deal_id} for visit in visits)
    insert_rows(conn, Opportunity.__table__, [deal for _, deal, _ in deals])
    for row, row_id in zip(stays, allocate_ids(conn, DealStageVisit.__table__, len(stays)), strict=True):
        row["id"] = row_id
    insert_rows(conn, DealStageVisit.__table__, stays)
    return {"contacts": len(contacts), "followups": len(followups), "orders": len(orders), "deals": len(deals),
            "contracts": _contracts(conn, batch, customer_ids)}


def _contracts(conn, batch: list[DemoCustomer], customer_ids: list[int]) -> int:
    """Write the batch's contracts, a renewal pointing at the id its predecessor was given."""
    rows: list[dict] = []
    for customer, customer_id in zip(batch, customer_ids, strict=True):
        first = len(rows)
        for row in customer.contracts:
            rows.append({**row, "customer_id": customer_id, "renews": first + row["renews"]
                         if row["renews"] is not None else None})
    for row, row_id in zip(rows, allocate_ids(conn, Contract.__table__, len(rows)), strict=True):
        row["id"] = row_id
    for row in rows:
        renews = row.pop("renews")
        row["renewed_from_id"] = rows[renews]["id"] if renews is not None else None
    insert_rows(conn, Contract.__table__, rows)
    return len(rows)
