"""Duplicate detection for imports, against the database and inside the file, in memory.

One query loads the tenant's customers' normalised keys (phone, email, name key, pinyin), so checking a
row is a few dictionary look-ups instead of queries (60,000 rows would otherwise mean 240,000 queries).
Rows created by the import are added as they are accepted, so the file is checked against itself too.

A row is a duplicate of a customer with:
0. the id a crmbot export gave it (an edited export re-imported), or
1. the same normalised phone, or
2. the same normalised email, or
3. the same name key (``Acme Ltd.`` = ``ACME``) or the same full pinyin (``阿里巴巴`` = ``Alibaba``,
   ``张伟`` = ``张薇``), unless both have phones that differ or both have emails that differ: two 张伟 with
   different mobiles are two people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from bot.access import visible_customers
from bot.importing.rows import PreparedContact, PreparedRow
from storage.models import Customer, User


@dataclass(slots=True, eq=False)
class Known:
    """A customer the import knows: from the database (``customer_id`` set) or created by a row of this file.

    ``pending`` holds the values of a customer created by this import until its batch is written; rows
    merged into it change those values in memory.
    """

    customer_id: int | None
    row_number: int | None
    name: str
    name_key: str
    phone: str | None
    email: str | None
    visible: bool
    region: str | None = None
    industry: str | None = None
    pending: dict[str, Any] | None = None
    pending_contacts: list[PreparedContact] = field(default_factory=list)
    pending_followups: list[dict[str, Any]] = field(default_factory=list)
    pending_orders: list[Any] = field(default_factory=list)
    pending_deals: list[Any] = field(default_factory=list)

    def target(self) -> tuple[str, int, str]:
        """How reasons name it: ``("customer", id, name)`` once written, else ``("row", n, name)``."""
        if self.customer_id is not None:
            return ("customer", self.customer_id, self.name)
        return ("row", self.row_number or 0, self.name)


class DuplicateIndex:
    """Normalised keys of every known customer of one tenant, for exact look-ups."""

    def __init__(self) -> None:
        self._by_id: dict[int, Known] = {}
        self._by_phone: dict[str, Known] = {}
        self._by_email: dict[str, Known] = {}
        self._by_name_key: dict[str, list[Known]] = {}
        self._by_pinyin: dict[str, list[Known]] = {}

    @classmethod
    def load(cls, session: Session, user: User) -> DuplicateIndex:
        """The index of the (not deleted) customers of ``user``'s tenant, marking those ``user`` may see."""
        index = cls()
        visible = set(session.exec(select(Customer.id).where(visible_customers(session, user))).all())
        rows = session.exec(
            select(Customer.id, Customer.name, Customer.name_key, Customer.pinyin_full, Customer.phone, Customer.email,
                   Customer.region, Customer.industry)
            .where(Customer.tenant == user.tenant, Customer.deleted_at.is_(None))
            .order_by(Customer.id)
        ).all()
        for customer_id, name, key, pinyin, phone, email, region, industry in rows:
            known = Known(customer_id, None, name, key, phone, email, customer_id in visible, region, industry)
            index.add(known, name_key=key, pinyin=pinyin)
        return index

    def add(self, known: Known, *, name_key: str, pinyin: str) -> None:
        """Make ``known`` findable by its keys (the first customer holding a phone or email keeps it)."""
        if known.customer_id is not None:
            self._by_id.setdefault(known.customer_id, known)
        if known.phone:
            self._by_phone.setdefault(known.phone, known)
        if known.email:
            self._by_email.setdefault(known.email, known)
        if name_key:
            bucket = self._by_name_key.setdefault(name_key, [])
            if known not in bucket:
                bucket.append(known)
        if pinyin := pinyin.partition(" ")[0]:  # the everyday reading (other readings follow it)
            bucket = self._by_pinyin.setdefault(pinyin, [])
            if known not in bucket:
                bucket.append(known)

    def add_row(self, known: Known, row: PreparedRow) -> None:
        """Register a row's keys under ``known`` (a created customer, or the target a row merged into)."""
        if row.values["phone"] and not known.phone:
            known.phone = row.values["phone"]
        if row.values["email"] and not known.email:
            known.email = row.values["email"]
        if row.values["phone"]:
            self._by_phone.setdefault(row.values["phone"], known)
        if row.values["email"]:
            self._by_email.setdefault(row.values["email"], known)
        self.add(known, name_key=row.values["name_key"], pinyin=row.values["pinyin_full"])

    def match(self, row: PreparedRow) -> tuple[Known, str] | None:
        """The customer ``row`` duplicates and why (``id``, ``phone``, ``email``, ``name``, ``pinyin``), or None.

        The id a crmbot export carries is matched first: the row is that customer, whatever was edited."""
        if row.crm_id is not None and (known := self._by_id.get(row.crm_id)) is not None:
            return known, "id"
        phone, email = row.values["phone"], row.values["email"]
        if phone and (known := self._by_phone.get(phone)) is not None:
            return known, "phone"
        if email and (known := self._by_email.get(email)) is not None:
            return known, "email"
        for why, bucket in (("name", self._by_name_key.get(row.values["name_key"])),
                            ("pinyin", self._by_pinyin.get(row.values["pinyin_full"].partition(" ")[0]))):
            for known in bucket or ():
                if _compatible(known, phone, email):
                    return known, why
        return None

    def identical(self, row: PreparedRow) -> Known | None:
        """A customer with the same name key, phone, email, region and industry as ``row``: the same record
        imported again, which even ``--on-duplicate create`` does not copy."""
        values = row.values
        for known in self._by_name_key.get(values["name_key"]) or ():
            if (known.phone, known.email, known.region, known.industry) == (
                    values["phone"], values["email"], values["region"], values["industry"]):
                return known
        return None


def _compatible(known: Known, phone: str | None, email: str | None) -> bool:
    if phone and known.phone and phone != known.phone:
        return False
    return not (email and known.email and email != known.email)
