"""Turning one spreadsheet row into validated, normalised customer (and contact) values.

Pure functions of the row's text, so chunks of rows can be prepared in worker processes. The rules are the
chat's: phones and emails normalised as `new` does (``bot.text.identity``), choice words from
``bot.commands.fields``, birthdays by ``bot.calendar.parse_birthday``, search keys by ``search_keys``.
A row with any invalid value is rejected whole with the reason; nothing is silently dropped or guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar.birthdays import BirthdayError
from bot.importing.readers import LineIssue
from bot.importing.reasons import Reason
from bot.importing.values import ParsedDate, parse_date, read_birthday, split_extension
from bot.importing.vocabulary import classify
from bot.services.customers import search_keys
from bot.text.hygiene import formula_restored, storable
from bot.text.identity import normalize_email, normalize_phone
from storage.models import Contact, Customer

_PHONE_LIST = re.compile(r"\s*[/;,，；、|\n]\s*")
_TEXT_FIELDS = ("industry", "region", "address", "source", "notes")
_MULTILINE_FIELDS = frozenset({"address", "notes"})


def _limit(table, column: str) -> int:
    return table.c[column].type.length


_CUSTOMER_LIMITS = {name: _limit(Customer.__table__, name) for name in ("name", *_TEXT_FIELDS, "tags")}
_CONTACT_LIMITS = {"contact_name": _limit(Contact.__table__, "name"), "contact_title": _limit(Contact.__table__, "title")}


@dataclass(slots=True)
class PreparedActivity:
    """What the row says about the customer's activity, dates as written (the owner's zone places them)."""

    last_contact: ParsedDate | None = None
    next_due: ParsedDate | None = None
    next_step: str | None = None
    followup: str | None = None
    followup_at: ParsedDate | None = None
    created: ParsedDate | None = None
    kind: str = "note"


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    """An order as a crmbot export describes it (``2024-03-01 5000.00 CNY · 10 pumps``)."""

    ordered_on: date
    amount: Decimal
    currency: str
    items: str | None


@dataclass(frozen=True, slots=True)
class PreparedDeal:
    """A deal as a crmbot export describes it (``pumps · proposal · 120000.00 CNY · 2026-12-31``)."""

    title: str
    stage: str  # a stage key of the default pipeline
    amount: Decimal | None
    currency: str
    expected_close: date | None


class RowRejected(Exception):
    """Raised inside preparation to stop at the first problem of a row."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.reason = Reason(code, params)


@dataclass(slots=True)
class PreparedContact:
    """A key contact from the row (its birthday already validated)."""

    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    birthday_month: int | None = None
    birthday_day: int | None = None
    birthday_is_lunar: bool = False
    birthday_is_leap_month: bool = False
    birthday_year: int | None = None


@dataclass(slots=True)
class PreparedRow:
    """A valid row: customer columns ready to insert (minus owner/team/tenant/timestamps) and its keys."""

    row_number: int
    values: dict[str, Any]
    owner_ref: str | None
    contact: PreparedContact | None
    notes: list[Reason] = field(default_factory=list)
    # Cells the row could not use, with why (also among ``notes``): the summary counts them.
    set_aside: list[Reason] = field(default_factory=list)
    more_contacts: list[PreparedContact] = field(default_factory=list)
    activity: PreparedActivity | None = None
    crm_id: int | None = None  # the id a crmbot export gave the customer
    orders: list[PreparedOrder] = field(default_factory=list)
    deals: list[PreparedDeal] = field(default_factory=list)

    @property
    def contacts(self) -> list[PreparedContact]:
        """Every contact of the row, the key contact first."""
        return ([self.contact] if self.contact else []) + self.more_contacts

    @property
    def name(self) -> str:
        """The customer name."""
        return self.values["name"]


@dataclass(slots=True)
class RejectedRow:
    """A row that cannot be imported, and why."""

    row_number: int
    reason: Reason


def first_value(values: Mapping[str, Sequence[str]], name: str) -> str:
    """The first non-empty text of a field (it may come from several columns, e.g. 电话 and 手机)."""
    for text in values.get(name, ()):
        if text:
            return text
    return ""


def prepare_row(row_number: int, values: Mapping[str, Sequence[str]], labels: Mapping[str, str] | None = None, *,
                day_first: bool = False, contacts_file: bool = False) -> PreparedRow | RejectedRow:
    """Validate and normalise one row; ``values`` maps a field to its cell texts in column order.

    Only a row with nothing to name the customer by is rejected; a value that cannot be used is set aside
    (kept in the notes as ``header: value``, with a reason) and the row imports. ``labels`` name the fields'
    columns as the file's headers do; ``day_first`` reads ``a/b/yyyy`` dates as day first."""
    try:
        return _prepare(row_number, clean_cells(values), labels, day_first=day_first, contacts_file=contacts_file)
    except RowRejected as rejected:
        return RejectedRow(row_number, rejected.reason)


@dataclass(frozen=True, slots=True)
class FileContext:
    """What preparing a row needs to know about its file: the headers, how to read ``a/b/yyyy`` dates, and
    whether each row is a person (a contacts export)."""

    labels: tuple[str, ...] = ()
    day_first: bool = False
    contacts: bool = False


def prepare_chunk(chunk: Sequence[tuple[int, Sequence[str], Sequence[LineIssue]]],
                  columns: Sequence[tuple[int, str]], context: FileContext = FileContext()) -> list[PreparedRow | RejectedRow]:
    """``prepare_row`` over a chunk of ``(row_number, cells, issues)``, the cells mapped to fields by ``columns``
    (``(column_index, field)`` pairs): the unit of work handed to a worker process. A line its reader could
    not read (``issues`` that reject) is rejected with that reason; repairs become notes on the row."""
    labels = context.labels
    by_field: dict[str, str] = {}
    keep_headers: list[str] = []
    for index, field_name in columns:
        label = labels[index] if index < len(labels) else field_name
        by_field.setdefault(field_name, label)
        if field_name == "keep":
            keep_headers.append(label)
    by_field["keep@"] = "\x1f".join(keep_headers)
    prepared: list[PreparedRow | RejectedRow] = []
    for number, cells, issues in chunk:
        refused = next((issue.reason for issue in issues if issue.rejects), None)
        if refused is not None:
            prepared.append(RejectedRow(number, refused))
            continue
        values: dict[str, list[str]] = {}
        set_aside: list[Reason] = []
        kept: list[str] = []
        for index, field_name in columns:
            cell = cells[index]
            if cell and cell[0] in _FORMULA_MARKS:
                before = len(set_aside)
                cell = _formula_value(cell, field_name, set_aside)
                if len(set_aside) > before and set_aside[-1].code == "formula_set_aside":
                    kept.append(f"{labels[index] if index < len(labels) else field_name}: {cells[index]}")
            values.setdefault(field_name, []).append(cell)
        row = prepare_row(number, values, by_field, day_first=context.day_first, contacts_file=context.contacts)
        if isinstance(row, PreparedRow) and (issues or set_aside):
            row.notes[:0] = [*(issue.reason for issue in issues), *set_aside]
            row.set_aside[:0] = set_aside
            if kept:
                keep_in_notes(row, kept)
        prepared.append(row)
    return prepared


# A cell starting with one of these may be a spreadsheet formula, an error value, or a value an export
# protected against being read as a formula.
_FORMULA_MARKS = frozenset("='#")
_QUOTED_FORMULA = re.compile(r'^="(.*)"$', re.S)
_HYPERLINK = re.compile(r'^=HYPERLINK\(\s*"[^"]*"\s*[,;]\s*"(.*)"\s*\)$', re.I | re.S)
_CELL_ERRORS = frozenset(("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!"))


def _formula_value(cell: str, field_name: str, set_aside: list[Reason]) -> str:
    """The value a person sees for a formula-like cell; a formula without a value is set aside (noted)."""
    if cell[0] == "'":
        # An export's guard against formula injection ('=…, '+…): the apostrophe is not part of the value.
        return formula_restored(cell)
    if cell[0] == "#":
        if cell.upper() in _CELL_ERRORS:
            set_aside.append(Reason("cell_error", {"field": field_name, "value": cell}))
            return ""
        return cell
    if (quoted := _QUOTED_FORMULA.match(cell)) is not None and '"' not in quoted.group(1).replace('""', ""):
        return quoted.group(1).replace('""', '"')  # ="0571…": Excel's way to keep a leading zero
    if (link := _HYPERLINK.match(cell)) is not None:
        return link.group(1)
    if len(cell) > 1:
        set_aside.append(Reason("formula_set_aside", {"field": field_name, "value": cell}))
        return ""
    return cell


def keep_in_notes(row: PreparedRow, lines: Sequence[str]) -> None:
    """Append ``lines`` (``header: raw value``) to the row's notes, within the notes column's length."""
    existing = row.values.get("notes")
    text = "\n".join([*([existing] if existing else []), *lines])
    row.values["notes"] = text[: _CUSTOMER_LIMITS["notes"]]


def clean_cells(values: Mapping[str, Sequence[str]]) -> Mapping[str, Sequence[str]]:
    """The cells as the chat would store them: escape codes and control characters removed (line breaks kept
    in multi-line fields), broken Unicode as U+FFFD. (The CSV reader already removed NUL bytes with a note.)"""
    if all(text.isprintable() for texts in values.values() for text in texts):
        return values  # nearly every row: nothing to do
    return {field_name: [storable(text, multiline=field_name in _MULTILINE_FIELDS).strip() for text in texts]
            for field_name, texts in values.items()}


class _Aside:
    """Cells a row could not use: each reason is reported, each raw value kept in the notes."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self._labels = labels
        self.reasons: list[Reason] = []
        self.lines: list[str] = []

    def add(self, field_name: str, raw: str, code: str, **params: Any) -> None:
        self.reasons.append(Reason(code, {"field": field_name, "value": raw, **params}))
        self.keep(field_name, raw)

    def keep(self, field_name: str, raw: str) -> None:
        self.lines.append(f"{self._labels.get(field_name, field_name)}: {raw}")


def _prepare(row_number: int, values: Mapping[str, Sequence[str]], labels: Mapping[str, str] | None = None, *,
             day_first: bool = False, contacts_file: bool = False) -> PreparedRow:
    aside = _Aside(labels or {})
    notes: list[Reason] = []
    person = _person_name(values)
    company = " ".join(first_value(values, "company").split())
    own_name = " ".join(first_value(values, "name").split())
    kind_hint = None
    if company and _looks_like_record_id(company):
        aside.keep("company", company)
        company = ""
    if own_name:
        name = own_name
        if company and company != own_name:
            aside.keep("company", company)
    elif company:
        name = company
    elif person:
        name, kind_hint = person, "person"  # a person with no company is a customer of their own
        if not contacts_file:
            notes.append(Reason("named_after_contact", {"value": person}))
    else:
        raise RowRejected("name_missing")
    if len(name) > _CUSTOMER_LIMITS["name"]:
        aside.add("name", name, "too_long_kept", max=_CUSTOMER_LIMITS["name"])
        name = name[: _CUSTOMER_LIMITS["name"]].rstrip()
    customer: dict[str, Any] = {"name": name, **search_keys(name).__dict__}
    region_code = _phone_region(_joined(values, ("country",)))
    phones, extra_phones = _phone_values(values, "phone", aside, region_code)
    customer["phone"] = phones
    customer["email"] = _email_value(values.get("email", ()), "email", aside)
    tags = _tags(first_value(values, "tags"))
    for key in ("kind", "tier", "stage"):
        customer[key] = None
    for key in ("kind", "tier", "stage"):
        for text in values.get(key, ()):
            if text:
                _classify_into(customer, key, text, tags, aside, notes)
    if customer["kind"] is None and kind_hint:
        customer["kind"] = kind_hint
    if customer["kind"] == "person":  # keyed with the surname reading (曾 zeng, 单 shan …)
        customer.update(search_keys(name, person=True).__dict__)
    source = first_value(values, "tier_source").strip().casefold()
    customer["tier_manual"] = customer["tier"] is not None and source not in _AUTO_WORDS
    customer["industry"] = _text(first_value(values, "industry"), "industry", aside)
    customer["source"] = _text(first_value(values, "source"), "source", aside)
    customer["region"] = _text(_joined(values, ("region", "country", "province", "city", "district")), "region", aside)
    customer["address"] = _text(_joined(values, ("address", "postal_code")), "address", aside)
    customer["notes"] = first_value(values, "notes") or None
    customer["timezone"] = _timezone_value(first_value(values, "timezone"), aside)
    customer["tags"] = _fit_tags(tags, aside)
    activity = _activity(values, day_first, aside)
    if activity is not None:
        activity.created = _date_value(values, "created", day_first, aside)
    for index, text in enumerate(values.get("keep", ())):
        if text:
            aside.lines.append(f"{_keep_label(labels, index)}: {text}")
    if extra_phones:
        extra = ", ".join(extra_phones)
        aside.keep("phone", extra)
        notes.append(Reason("extra_phones", {"value": extra}))
    contacts = _contacts(values, customer_name=name, person=person, day_first=day_first, aside=aside,
                         region=region_code)
    crm_id = first_value(values, "crm_id")
    orders = [order for text in values.get("orders", ()) for order in _orders(text, aside)]
    row = PreparedRow(
        row_number=row_number,
        values=customer,
        owner_ref=first_value(values, "owner") or None,
        contact=contacts[0] if contacts else None,
        notes=notes,
        more_contacts=contacts[1:],
        activity=activity,
        crm_id=int(crm_id) if crm_id.isdigit() else None,
        orders=orders,
        deals=[deal for text in values.get("deals", ()) for deal in _deals(text, aside)],
    )
    if aside.reasons:
        row.notes.extend(aside.reasons)
        row.set_aside.extend(aside.reasons)
    if aside.lines:
        keep_in_notes(row, aside.lines)
    return row


def _keep_label(labels: Mapping[str, str] | None, index: int) -> str:
    keep_labels = (labels or {}).get("keep@", "")
    names = keep_labels.split("\x1f") if keep_labels else []
    return names[index] if index < len(names) else "keep"


def _person_name(values: Mapping[str, Sequence[str]]) -> str:
    full = " ".join(first_value(values, "contact_name").split())
    if full:
        return full
    first, last = first_value(values, "first_name").strip(), first_value(values, "last_name").strip()
    if not (first or last):
        return ""
    if _CJK.search(first + last):
        return f"{last}{first}"  # 王 + 芳 → 王芳
    return " ".join(part for part in (first, last) if part)


# How the export says a level was set by the churn/value rules rather than by hand.
_AUTO_WORDS = frozenset(("auto", "automatic", "rules", "自动", "系统"))
_CJK = re.compile(r"[\u3400-\u9fff]")
_RECORD_ID = re.compile(r"^(?:00[1-9A-Za-z][0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?|zcrm_\d+)$")


def _looks_like_record_id(text: str) -> bool:
    """A Salesforce (``0015g00000XyZab``) or Zoho record id where a company name was expected."""
    return bool(_RECORD_ID.match(text)) and any(ch.isdigit() for ch in text[3:])


def _joined(values: Mapping[str, Sequence[str]], keys: Sequence[str]) -> str:
    parts: list[str] = []
    for key in keys:
        for text in values.get(key, ()):
            text = text.strip()
            if text and not any(text in part for part in parts):
                parts.append(text)
    return " ".join(parts)


def _text(text: str, field_name: str, aside: _Aside) -> str | None:
    if not text:
        return None
    limit = _CUSTOMER_LIMITS[field_name]
    if len(text) > limit:
        aside.add(field_name, text, "too_long_kept", max=limit)
        return text[:limit].rstrip()
    return text


def _tags(text: str) -> list[str]:
    """Tags as written (case kept), split on any list separator, without repeats regardless of case."""
    parts = _TAG_SPLIT.split(unicodedata.normalize("NFKC", text))
    seen: dict[str, str] = {}
    for part in parts:
        tag = " ".join(part.split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


_TAG_SPLIT = re.compile(r"[,;/|、，；\n]")


def _fit_tags(tags: list[str], aside: _Aside) -> str:
    limit = _CUSTOMER_LIMITS["tags"]
    kept: list[str] = []
    for tag in tags:
        if len(",".join([*kept, tag])) + 2 > limit:
            aside.add("tags", tag, "too_long_kept", max=limit)
            continue
        kept.append(tag)
    return f",{','.join(kept)}," if kept else ""


def _classify_into(customer: dict[str, Any], key: str, text: str, tags: list[str], aside: _Aside,
                   notes: list[Reason]) -> None:
    found = classify(key, text)
    if found is None or customer.get(found[0]) not in (None, found[1]):
        tag = " ".join(text.split())
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
        notes.append(Reason("value_as_tag", {"field": key, "value": text}))
        return
    customer[found[0]] = found[1]


def _timezone_value(text: str, aside: _Aside) -> str | None:
    if not text:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        aside.add("timezone", text, "bad_timezone")
        return None
    return text


# Where a number without a country code is read, by the row's country column (else China).
_PHONE_REGIONS = {
    "us": "US", "usa": "US", "united states": "US", "united states of america": "US", "美国": "US",
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB", "英国": "GB",
    "canada": "CA", "加拿大": "CA", "germany": "DE", "deutschland": "DE", "德国": "DE", "france": "FR",
    "法国": "FR", "japan": "JP", "日本": "JP", "singapore": "SG", "新加坡": "SG", "hong kong": "HK", "香港": "HK",
    "taiwan": "TW", "台湾": "TW", "australia": "AU", "澳大利亚": "AU", "korea": "KR", "south korea": "KR",
    "韩国": "KR", "india": "IN", "印度": "IN", "macau": "MO", "澳门": "MO",
}  # fmt: skip


def _phone_region(country: str) -> str:
    return _PHONE_REGIONS.get(" ".join(country.casefold().split()), "CN")


def _phone_values(values: Mapping[str, Sequence[str]], key: str, aside: _Aside,
                  region: str = "CN") -> tuple[str | None, list[str]]:
    """The first valid number of the field's columns, the further ones; invalid ones and extensions are
    kept in the notes as written. ``region`` reads numbers written without a country code."""
    numbers: list[str] = []
    for text in values.get(key, ()):
        if not text:
            continue
        for part in (p for p in _PHONE_LIST.split(text) if p):
            number_text, extension = split_extension(part)
            number = normalize_phone(number_text, region)
            if number is None and region != "CN":
                number = normalize_phone(number_text)  # a Chinese mobile in a foreign address
            if number is None:
                aside.add(key, part, "bad_phone" if key == "phone" else "bad_contact_phone")
                continue
            if extension:
                aside.keep(key, part)
            if number not in numbers:
                numbers.append(number)
    return (numbers[0] if numbers else None), numbers[1:]


def _email_value(texts: Sequence[str], key: str, aside: _Aside) -> str | None:
    found: str | None = None
    for text in texts:
        if not text:
            continue
        email = normalize_email(text)
        if email is None:
            aside.add(key, text, "bad_email" if key == "email" else "bad_contact_email")
        elif found is None:
            found = email
        elif email != found:
            aside.keep(key, text)
    return found


def _date_value(values: Mapping[str, Sequence[str]], key: str, day_first: bool, aside: _Aside) -> ParsedDate | None:
    text = first_value(values, key)
    if not text:
        return None
    parsed = parse_date(text, day_first=day_first)
    if parsed is None:
        aside.add(key, text, "bad_date")
    return parsed


_ORDER = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(-?[\d,]+(?:\.\d+)?)\s*([A-Za-z]{3})?\s*(?:·\s*(.*))?$", re.S)


def _orders(text: str, aside: _Aside) -> list[PreparedOrder]:
    orders: list[PreparedOrder] = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        match = _ORDER.match(part)
        try:
            if match is None:
                raise ValueError(part)
            orders.append(PreparedOrder(date.fromisoformat(match.group(1)), Decimal(match.group(2).replace(",", "")),
                                        (match.group(3) or "CNY").upper(), (match.group(4) or "").strip()[:1000] or None))
        except (ValueError, InvalidOperation):
            aside.add("orders", part, "bad_order")
    return orders


_DEAL_MONEY = re.compile(r"^([\d,]+(?:\.\d+)?)\s*([A-Za-z]{3})?$")


def _deals(text: str, aside: _Aside) -> list[PreparedDeal]:
    """``title · stage · amount currency · close`` per deal, ``;`` between deals; the title may hold ``·``."""
    from bot.pipeline.stages import stage_registry_default

    stages = stage_registry_default()
    deals: list[PreparedDeal] = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        pieces = [piece.strip() for piece in part.split(" · ")]
        try:
            if len(pieces) < 4:
                raise ValueError(part)
            title, stage_word, money, close = " · ".join(pieces[:-3]), *pieces[-3:]
            stage = stages.find(stage_word)
            match = _DEAL_MONEY.match(money)
            if not title or stage is None or (money != "-" and match is None):
                raise ValueError(part)
            amount = Decimal(match.group(1).replace(",", "")) if match else None
            deals.append(PreparedDeal(title[:200], stage.key, amount, ((match and match.group(2)) or "CNY").upper(),
                                      None if close == "-" else date.fromisoformat(close)))
        except (ValueError, InvalidOperation):
            aside.add("deals", part, "bad_deal")
    return deals


# The export's "last follow-up": ``visit · alice: signed the renewal``.
_EXPORTED_FOLLOWUP = re.compile(r"^(call|visit|message|email|meeting|note|wechat) · [^:]{1,120}: (.*)$", re.S)


def _activity(values: Mapping[str, Sequence[str]], day_first: bool, aside: _Aside) -> PreparedActivity | None:
    last = _date_value(values, "last_contact", day_first, aside)
    due = _date_value(values, "next_followup", day_first, aside)
    followup_at = _date_value(values, "followup_at", day_first, aside)
    step = " ".join(first_value(values, "next_step").split())
    text = first_value(values, "followup").strip()
    kind = "note"
    if (exported := _EXPORTED_FOLLOWUP.match(text)) is not None:
        kind, text = exported.group(1), exported.group(2)
    if not any((last, due, followup_at, step, text, first_value(values, "created"))):
        return None
    if len(step) > 500:
        aside.add("next_step", step, "too_long_kept", max=500)
        step = step[:500]
    if len(text) > 4000:
        text = text[:4000]
    return PreparedActivity(last_contact=last, next_due=due, next_step=step or None, followup=text or None,
                            followup_at=followup_at, kind=kind)


def _contacts(values: Mapping[str, Sequence[str]], *, customer_name: str, person: str, day_first: bool,
              aside: _Aside, region: str = "CN") -> list[PreparedContact]:
    texts = {key: first_value(values, key) for key in ("contact_title", "contact_phone", "contact_email", "birthday")}
    contacts: list[PreparedContact] = []
    if person or any(texts.values()):
        name = person or customer_name
        if len(name) > _CONTACT_LIMITS["contact_name"]:
            aside.add("contact_name", name, "too_long_kept", max=_CONTACT_LIMITS["contact_name"])
            name = name[: _CONTACT_LIMITS["contact_name"]]
        title = texts["contact_title"] or None
        if title and len(title) > _CONTACT_LIMITS["contact_title"]:
            aside.add("contact_title", title, "too_long_kept", max=_CONTACT_LIMITS["contact_title"])
            title = title[: _CONTACT_LIMITS["contact_title"]]
        phone, more = _phone_values(values, "contact_phone", aside, region)
        if more:
            aside.keep("contact_phone", ", ".join(more))
        contact = PreparedContact(name=name, title=title, phone=phone,
                                  email=_email_value(values.get("contact_email", ()), "contact_email", aside))
        if texts["birthday"]:
            _set_birthday(contact, texts["birthday"], day_first, aside)
        contacts.append(contact)
    for text in values.get("more_contacts", ()):
        for described in (part for part in text.split(";") if part.strip()):
            contacts.append(_described_contact(described, day_first, aside))
    return contacts


def _set_birthday(contact: PreparedContact, text: str, day_first: bool, aside: _Aside) -> None:
    try:
        birthday = read_birthday(text, day_first=day_first)
    except BirthdayError as exc:
        aside.add("birthday", text, "bad_birthday", detail=str(exc))
        return
    contact.birthday_month = birthday.month
    contact.birthday_day = birthday.day
    contact.birthday_is_lunar = birthday.is_lunar
    contact.birthday_is_leap_month = birthday.is_leap_month
    contact.birthday_year = birthday.year


def _described_contact(text: str, day_first: bool, aside: _Aside) -> PreparedContact:
    """A contact as the export's "more contacts" column describes it: ``name · title · phone · email · birthday``."""
    parts = [part.strip() for part in text.split("·") if part.strip()]
    contact = PreparedContact(name=(parts[0] if parts else text.strip())[: _CONTACT_LIMITS["contact_name"]])
    for part in parts[1:]:
        if contact.email is None and (email := normalize_email(part)) is not None:
            contact.email = email
        elif contact.phone is None and (phone := normalize_phone(split_extension(part)[0])) is not None:
            contact.phone = phone
        elif contact.birthday_month is None and _could_be_birthday(part):
            _set_birthday(contact, part, day_first, aside)
        elif contact.title is None:
            contact.title = part[: _CONTACT_LIMITS["contact_title"]]
        else:
            aside.keep("more_contacts", part)
    return contact


def _could_be_birthday(text: str) -> bool:
    try:
        read_birthday(text)
    except BirthdayError:
        return False
    return True
