"""The product paths being measured ("ours"): the core's full handling of commands through `Bot.handle`,
and the scheduler's and importer's own functions, called exactly as production calls them."""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlmodel import Session

from benchmarks.dataset import Backend
from bot.calendar.birthdays import BirthdayKeys
from bot.calendar.churn import assess_many, population_gaps_by_segment
from bot.clock import FixedClock
from bot.dispatcher import Bot
from bot.importing import ImportOptions, ImportReport, import_customers
from bot.messages import Incoming, Reply
from bot.notifications.catalog import kind_title
from bot.notifications.churn_features import all_churn_rows, churn_items, created_ordinals
from bot.notifications.digest import digest_lines
from bot.notifications.digest_data import gather_digest
from bot.notifications.enqueue import Enqueuer
from bot.services.agenda import birthday_predicate
from storage.models import Contact, Customer, LoyaltyAccount, NotificationOutbox, User
from storage.uow import unit_of_work

MESSAGE_PREFIX = "bench-"


@dataclass(frozen=True)
class People:
    """Who the interactive commands run as, and a customer of theirs to look up."""

    tenant: str
    rep: str
    rep_id: int
    manager: str
    manager_id: int
    team_id: int
    customer_id: int
    customer_name: str
    initials: str
    phone: str
    admin: str = "admin"
    admin_id: int = 0


def pick_people(backend: Backend) -> People:
    """The first rep of a team that does not share customers (so a rep sees their own book), their manager,
    and the rep's first customer with a phone."""
    with backend.engine.connect() as conn:
        team_id, manager, manager_id = conn.execute(text(
            "SELECT t.id, u.name, u.id FROM team t JOIN manager_team m ON m.team_id = t.id JOIN app_user u "
            "ON u.id = m.manager_id WHERE t.shares_customers = :no ORDER BY t.id LIMIT 1"), {"no": False}).one()
        rep, rep_id, tenant = conn.execute(text(
            "SELECT name, id, tenant FROM app_user WHERE team_id = :team AND role = 'rep' ORDER BY id LIMIT 1"),
            {"team": team_id}).one()
        customer_id, name, initials, phone = conn.execute(text(
            "SELECT id, name, pinyin_initials, phone FROM customer WHERE owner_id = :rep AND phone IS NOT NULL "
            "AND deleted_at IS NULL ORDER BY id LIMIT 1"), {"rep": rep_id}).one()
        admin_id = conn.execute(text("SELECT id FROM app_user WHERE tenant = :tenant AND role = 'admin' ORDER BY id "
                                     "LIMIT 1"), {"tenant": tenant}).scalar_one()
        admin = conn.execute(text("SELECT name FROM app_user WHERE id = :id"), {"id": admin_id}).scalar_one()
    return People(tenant, rep, rep_id, manager, manager_id, team_id, customer_id, name, initials, phone, admin,
                  admin_id)


def short_queries(backend: Backend, scope, count: int = 20) -> dict[str, list[str]]:
    """Queries of one and two characters as people type them, taken from the names `scope` sees: two Chinese
    characters from inside a name (not its start), a Chinese surname or first character, and a Latin pair."""
    where, params = scope.where()
    with backend.engine.connect() as conn:
        rows = conn.exec_driver_sql(backend.sql(f"SELECT name FROM customer WHERE {where} ORDER BY id LIMIT 2000"),
                                    tuple(params)).all()
    chinese = [name for (name,) in rows if len(name) >= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name[:4])]
    latin = [name for (name,) in rows if name[:3].isascii() and name[:3].isalpha()]
    return {
        "two characters, CJK": [name[2:4] for name in chinese[:count]],
        "two characters, Latin": [name[1:3].lower() for name in latin[:count]],
        "one character": [name[0] for name in chinese[:count]],
    }


class Ours:
    """The product, wired as in production against one backend, with a fixed clock."""

    def __init__(self, backend: Backend, now: datetime) -> None:
        self.backend = backend
        self.now = now
        self.bot = Bot(engine=backend.engine, settings=backend.settings, clock=FixedClock(now))
        # Message ids unique to this run: a run stopped before its clean-up leaves its ids in PostgreSQL's
        # dedupe table, and the next run's commands would be taken for redeliveries and skipped.
        self._run = f"{os.getpid()}.{time.time_ns()}"
        self._ids = itertools.count(1)
        self.enqueuer = Enqueuer(backend.engine, backend.settings)

    def command(self, user: str, line: str) -> list[Reply]:
        """One chat message, handled in full (dedupe, user, parse, access, run, render, commit)."""
        incoming = Incoming(platform="console", workspace="", channel=f"console:{user}", user_id=user, user_name=user,
                            text=line, message_id=f"{MESSAGE_PREFIX}{self._run}-{next(self._ids)}", is_direct=True)
        replies = self.bot.handle(incoming)
        if not replies or replies[0].error_ref:
            raise RuntimeError(f"{line!r} failed: {replies}")
        return replies

    def grant_points(self, customer_id: int, points: int) -> None:
        """Give a customer a balance to redeem from (undone by `clean_up`)."""
        with unit_of_work(self.backend.engine) as session:
            tenant = session.get(Customer, customer_id).tenant
            session.merge(LoyaltyAccount(customer_id=customer_id, tenant=tenant, balance=points))

    def prime_enqueue(self) -> None:
        """One pass that also scores churn, as the first tick of the hour does; later passes skip it."""
        self.enqueuer.enqueue_due(self.now)

    def enqueue(self) -> int:
        """A tick's enqueue of everything due (churn already scored this hour)."""
        return self.enqueuer.enqueue_due(self.now).total

    def contract_renewals(self) -> int:
        """The contract renewal kind's enqueue step alone (roll-forward, reminders, notices, escalations), with
        the zone clocks a tick builds."""
        from bot.notifications.catch_up import catch_up_days, last_pass
        from bot.notifications.contract_renewal import enqueue_contract_renewals
        from bot.notifications.local_time import QuietHours, local_moments
        from bot.notifications.zone_clocks import ZoneClocks

        settings = self.backend.settings
        with unit_of_work(self.backend.engine, write=False) as session:
            moments = local_moments(session, settings, self.now)
            last = last_pass(session)
        clocks = ZoneClocks(tuple(moments), settings, QuietHours.parse(settings.scheduler.quiet_hours), self.now,
                            catch_up_days=catch_up_days(last, self.now), last_pass=last)
        return enqueue_contract_renewals(self.backend.engine, clocks)

    def clear_outbox(self) -> None:
        """Empty the outbox, so the next enqueue inserts everything again."""
        with unit_of_work(self.backend.engine) as session:
            session.exec(delete(NotificationOutbox))

    def birthdays(self, keys: BirthdayKeys) -> list:
        """Today's celebrating contacts through the shared set-based predicate, read as the scheduler reads them:
        a Core statement (its enqueue is an ``INSERT … SELECT`` of this join), no ORM rows."""
        with self.backend.engine.connect() as conn:
            return conn.execute(
                select(Contact.id, Contact.name, Customer.name, Customer.owner_id)
                .join(Customer, Customer.id == Contact.customer_id)
                .where(Contact.deleted_at.is_(None), Customer.deleted_at.is_(None), birthday_predicate(keys))
            ).all()

    def churn(self, today: date) -> list:
        """Every customer's churn assessment: the scheduler's aggregate plus `assess_many`."""
        rows = all_churn_rows(self.backend.engine, today=today)
        items = churn_items(rows)
        return list(assess_many(items, today=today, population_gaps=population_gaps_by_segment(items),
                                created_ordinals=created_ordinals(rows)))

    def digest(self, manager_id: int) -> list[str]:
        """A manager's daily digest, gathered and rendered."""
        with Session(self.backend.engine) as session:
            manager = session.get(User, manager_id)
            zone = ZoneInfo(manager.timezone or self.backend.settings.defaults.timezone)
            data = gather_digest(session, manager, period="daily", now=self.now, tz=zone)
            return digest_lines(manager.language or "zh", data, kind_title)

    def import_file(self, path: Path) -> ImportReport:
        """Import the CSV as the organisation's admin into a fresh database (organisation only)."""
        engine, _settings = self.backend.fresh_import_target()
        with Session(engine, expire_on_commit=False) as session:
            admin = session.scalars(select(User).where(User.name == "admin")).one()
        report = import_customers(engine, user=admin, path=path, options=ImportOptions(),
                                  clock=FixedClock(self.now))
        if self.backend.name == "sqlite":
            engine.dispose()
        return report


HEAVY_MARK = "bench-heavy"


def add_heavy_customer(backend: Backend, people: People, *, orders: int = 300, contracts: int = 25) -> int:
    """The rep's second customer given `orders` orders and `contracts` live contracts (marked, removed by
    `remove_heavy`): the card of a long-standing account."""
    with backend.engine.begin() as conn:
        customer_id = conn.execute(text(
            "SELECT id FROM customer WHERE owner_id = :rep AND deleted_at IS NULL AND id <> :first ORDER BY id LIMIT 1"),
            {"rep": people.rep_id, "first": people.customer_id}).scalar_one()
        conn.execute(text(
            "INSERT INTO sales_order (customer_id, amount, currency, ordered_on, items, payment_due, paid_at, "
            "created_by, created_at) VALUES (:c, :amount, 'CNY', :day, :mark, :due, :paid, :rep, :at)"),
            [{"c": customer_id, "amount": 1000 + n, "day": date(2020 + n % 6, 1 + n % 12, 1 + n % 28),
              "mark": HEAVY_MARK, "due": date(2020 + n % 6, 1 + n % 12, 1 + n % 28),
              "paid": None if n % 10 == 0 else datetime(2020 + n % 6, 1 + n % 12, 1 + n % 28, 6, tzinfo=ZoneInfo("UTC")),
              "rep": people.rep_id, "at": datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))} for n in range(orders)])
        conn.execute(text(
            "INSERT INTO contract (customer_id, title, amount, currency, starts_on, ends_on, auto_renew, created_by, "
            "created_at, updated_at) VALUES (:c, :title, :amount, 'CNY', :start, :end, :auto, :rep, :at, :at)"),
            [{"c": customer_id, "title": f"{HEAVY_MARK} {n}", "amount": 10_000 + n, "start": date(2026, 1, 1),
              "end": date(2027, 1 + n % 12, 1 + n % 28), "auto": n % 3 == 0, "rep": people.rep_id,
              "at": datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))} for n in range(contracts)])
    return customer_id


def remove_heavy(backend: Backend) -> None:
    """Undo `add_heavy_customer`."""
    with backend.engine.begin() as conn:
        conn.execute(text("DELETE FROM sales_order WHERE items = :mark"), {"mark": HEAVY_MARK})
        conn.execute(text("DELETE FROM contract WHERE title LIKE :mark"), {"mark": f"{HEAVY_MARK}%"})


def remove_rolled_contracts(backend: Backend, now: datetime) -> None:
    """Undo the renewal benchmark's roll-forward (successors it created carry the benchmark's instant)."""
    with backend.engine.begin() as conn:
        conn.execute(text("DELETE FROM contract WHERE created_at = :now AND renewed_from_id IS NOT NULL"),
                     {"now": now})


def clean_up(backend: Backend, people: People, saved: dict) -> None:
    """Undo what the write benchmarks did to the book (PostgreSQL keeps it between runs)."""
    with backend.engine.begin() as conn:
        conn.execute(text("DELETE FROM followup WHERE source_message_id LIKE :p OR source_message_id LIKE :f"),
                     {"p": f"{MESSAGE_PREFIX}%", "f": "floor-%"})
        conn.execute(text("DELETE FROM audit_log WHERE at >= :now"), {"now": saved["now"]})
        conn.execute(text("DELETE FROM processed_message WHERE message_key LIKE :p"), {"p": f"%{MESSAGE_PREFIX}%"})
        conn.execute(text("DELETE FROM notification_outbox"))
        conn.execute(text("DELETE FROM survey_invite WHERE customer_id = :id"), {"id": people.customer_id})
        conn.execute(text("DELETE FROM points_entry WHERE customer_id = :id"), {"id": people.customer_id})
        conn.execute(text("DELETE FROM loyalty_account WHERE customer_id = :id"), {"id": people.customer_id})
        conn.execute(text("UPDATE customer SET last_contact_at = :last, next_followup_at = :next, next_step = :step, "
                          "updated_at = :updated WHERE id = :id"), {**saved["customer"], "id": people.customer_id})
        conn.execute(text("UPDATE followup SET done_at = NULL WHERE customer_id = :id AND done_at >= :now"),
                     {"id": people.customer_id, "now": saved["now"]})


def save_customer(backend: Backend, people: People, now: datetime) -> dict:
    """The customer fields `log` changes, to restore after the benchmark."""
    with backend.engine.connect() as conn:
        row = conn.execute(text("SELECT last_contact_at, next_followup_at, next_step, updated_at FROM customer "
                                "WHERE id = :id"), {"id": people.customer_id}).mappings().one()
    return {"customer": {"last": row["last_contact_at"], "next": row["next_followup_at"], "step": row["next_step"],
                         "updated": row["updated_at"]}, "now": now}


def segment_industry(backend: Backend, tenant: str, *, target: int) -> tuple[str, int]:
    """The industry whose customer count is closest to `target` (the segment the service benchmarks use)."""
    with backend.engine.connect() as conn:
        rows = conn.execute(text("SELECT industry, count(*) FROM customer WHERE tenant = :t AND industry IS NOT NULL "
                                 "AND deleted_at IS NULL GROUP BY industry"), {"t": tenant}).all()
    industry, size = min(rows, key=lambda row: abs(row[1] - target))
    return industry, size


def backend_customers(backend: Backend) -> int:
    """How many customers the benchmark book holds."""
    with backend.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM customer WHERE deleted_at IS NULL")).scalar_one()


def clear_campaigns(backend: Backend) -> None:
    """Undo campaign runs: their steps (and the cards' next step they set), the campaigns, the saved segment."""
    with backend.engine.begin() as conn:
        conn.execute(text("UPDATE customer SET next_followup_at = NULL, next_step = NULL WHERE id IN "
                          "(SELECT customer_id FROM followup WHERE campaign_id IS NOT NULL AND done_at IS NULL)"))
        conn.execute(text("DELETE FROM followup WHERE campaign_id IS NOT NULL"))
        conn.execute(text("DELETE FROM campaign"))
