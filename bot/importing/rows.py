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
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar.birthdays import BirthdayError, parse_birthday
from bot.commands.fields import CHOICE_WORDS, format_tags
from bot.importing.readers import LineIssue
from bot.importing.reasons import Reason
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


def prepare_row(row_number: int, values: Mapping[str, Sequence[str]]) -> PreparedRow | RejectedRow:
    """Validate and normalise one row; ``values`` maps a field to its cell texts in column order."""
    try:
        return _prepare(row_number, clean_cells(values))
    except RowRejected as rejected:
        return RejectedRow(row_number, rejected.reason)


def prepare_chunk(chunk: Sequence[tuple[int, Sequence[str], Sequence[LineIssue]]],
                  columns: Sequence[tuple[int, str]], labels: Sequence[str] = ()) -> list[PreparedRow | RejectedRow]:
    """``prepare_row`` over a chunk of ``(row_number, cells, issues)``, the cells mapped to fields by ``columns``
    (``(column_index, field)`` pairs): the unit of work handed to a worker process. A line its reader could
    not read (``issues`` that reject) is rejected with that reason; repairs become notes on the row.
    ``labels`` are the file's headers, which name set-aside cells in the customer's notes."""
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
        row = prepare_row(number, values)
        if isinstance(row, PreparedRow) and (issues or set_aside):
            row.notes[:0] = [*(issue.reason for issue in issues), *set_aside]
            row.set_aside.extend(set_aside)
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


def _prepare(row_number: int, values: Mapping[str, Sequence[str]]) -> PreparedRow:
    name = " ".join(first_value(values, "name").split())
    if not name:
        raise RowRejected("name_missing")
    _check_length("name", name, _CUSTOMER_LIMITS["name"])
    notes: list[Reason] = []
    customer: dict[str, Any] = {"name": name, **search_keys(name).__dict__}
    phone, extra_phones = _phones(first_value(values, "phone"), "bad_phone")
    customer["phone"] = phone
    customer["email"] = _email(first_value(values, "email"), "bad_email")
    for key in ("kind", "tier", "stage"):
        customer[key] = _choice(key, first_value(values, key))
    customer["tier_manual"] = customer["tier"] is not None
    for key in _TEXT_FIELDS:
        text = first_value(values, key)
        _check_length(key, text, _CUSTOMER_LIMITS[key])
        customer[key] = text or None
    tags = format_tags(unicodedata.normalize("NFKC", first_value(values, "tags")).replace("、", ","))
    _check_length("tags", tags, _CUSTOMER_LIMITS["tags"])
    customer["tags"] = tags
    customer["timezone"] = _timezone(first_value(values, "timezone"))
    if extra_phones:
        extra = ", ".join(extra_phones)
        customer["notes"] = f"{customer['notes']}\n{extra}" if customer["notes"] else extra
        notes.append(Reason("extra_phones", {"value": extra}))
        _check_length("notes", customer["notes"], _CUSTOMER_LIMITS["notes"])
    return PreparedRow(
        row_number=row_number,
        values=customer,
        owner_ref=first_value(values, "owner") or None,
        contact=_contact(values, customer_name=name),
        notes=notes,
    )


def _check_length(field_name: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise RowRejected("too_long", field=field_name, max=limit)


def _phones(text: str, reject_code: str) -> tuple[str | None, list[str]]:
    """The row's phone and any further numbers written in the same cell (``138… / 010-…``)."""
    if not text:
        return None, []
    parts = [part for part in _PHONE_LIST.split(text) if part]
    numbers = [normalize_phone(part) for part in parts]
    if not numbers or any(number is None for number in numbers):
        raise RowRejected(reject_code, value=text)
    unique = list(dict.fromkeys(n for n in numbers if n))
    return unique[0], unique[1:]


def _email(text: str, reject_code: str) -> str | None:
    if not text:
        return None
    email = normalize_email(text)
    if email is None:
        raise RowRejected(reject_code, value=text)
    return email


def _choice(key: str, text: str) -> str | None:
    if not text:
        return None
    chosen = CHOICE_WORDS[key].get(unicodedata.normalize("NFKC", text).strip().lower())
    if chosen is None:
        raise RowRejected("bad_choice", field=key, value=text, choices=", ".join(sorted(set(CHOICE_WORDS[key].values()))))
    return chosen


def _timezone(text: str) -> str | None:
    if not text:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowRejected("bad_timezone", value=text) from None
    return text


def _contact(values: Mapping[str, Sequence[str]], *, customer_name: str) -> PreparedContact | None:
    texts = {key: first_value(values, key) for key in
             ("contact_name", "contact_title", "contact_phone", "contact_email", "birthday")}
    if not any(texts.values()):
        return None
    name = " ".join(texts["contact_name"].split()) or customer_name
    _check_length("contact_name", name, _CONTACT_LIMITS["contact_name"])
    _check_length("contact_title", texts["contact_title"], _CONTACT_LIMITS["contact_title"])
    phone, more = _phones(texts["contact_phone"], "bad_contact_phone")
    if more:
        raise RowRejected("bad_contact_phone", value=texts["contact_phone"])
    contact = PreparedContact(
        name=name,
        title=texts["contact_title"] or None,
        phone=phone,
        email=_email(texts["contact_email"], "bad_contact_email"),
    )
    if texts["birthday"]:
        try:
            birthday = parse_birthday(texts["birthday"])
        except BirthdayError as exc:
            raise RowRejected("bad_birthday", value=texts["birthday"], detail=str(exc)) from None
        contact.birthday_month = birthday.month
        contact.birthday_day = birthday.day
        contact.birthday_is_lunar = birthday.is_lunar
        contact.birthday_is_leap_month = birthday.is_leap_month
        contact.birthday_year = birthday.year
    return contact
