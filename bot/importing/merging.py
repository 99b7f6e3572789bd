"""What `--on-duplicate merge` does to a customer: fill its blanks from the row, never overwrite.

Blank fields take the row's value; tags are united; notes are appended unless already there; a value the
customer already has and the row contradicts is kept, with a note naming both. The name never changes.
A contact of the same name is completed, otherwise the row's contact is added. The owner column and a
contact's changed phone are applied (and audited) by the writer. A row matched by the id of a crmbot
export is that customer's own line: what differs is an edit and is applied (``overwrite``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from bot.importing.reasons import Reason
from bot.importing.rows import PreparedContact, PreparedRow

# Filled when blank; a different non-blank value is reported and kept.
FILLABLE = ("phone", "email", "industry", "region", "address", "source", "timezone")
# Have a default rather than a blank: taken from the row only while the customer still has the default.
DEFAULTED = {"kind": "company", "tier": "normal", "stage": "lead"}
MERGED_COLUMNS = (*FILLABLE, *DEFAULTED, "tier_manual", "tags", "notes", "name", "name_key", "pinyin_full",
                  "pinyin_initials")


def merge_values(current: dict[str, Any], row: PreparedRow, target: tuple[str, int, str], *,
                 overwrite: bool = False) -> tuple[dict[str, Any], list[Reason]]:
    """The changed columns of ``current`` after merging ``row`` into it, and notes on kept values.

    ``overwrite`` (the row is the customer's own exported line, matched by its id): every value the row
    has and the customer has differently is the edit, and is applied."""
    changes: dict[str, Any] = {}
    notes: list[Reason] = []
    if overwrite:
        return _overwrite(current, row), []
    for column in FILLABLE:
        incoming, existing = row.values.get(column), current.get(column)
        if not incoming or incoming == existing:
            continue
        if not existing:
            changes[column] = incoming
        else:
            notes.append(Reason("merge_kept", {"target": target, "field": column, "kept": existing, "value": incoming}))
    for column, default in DEFAULTED.items():
        incoming, existing = row.values.get(column), current.get(column)
        if incoming is None or incoming == existing:
            continue
        if existing in (None, default) and not (column == "tier" and current.get("tier_manual")):
            changes[column] = incoming
            if column == "tier":
                changes["tier_manual"] = True
        else:
            notes.append(Reason("merge_kept", {"target": target, "field": column, "kept": existing, "value": incoming}))
    tags = merge_tags(current.get("tags") or "", row.values.get("tags") or "")
    if tags != (current.get("tags") or ""):
        changes["tags"] = tags
    incoming_notes = row.values.get("notes")
    existing_notes = current.get("notes") or ""
    if incoming_notes and incoming_notes not in existing_notes:
        changes["notes"] = f"{existing_notes}\n{incoming_notes}" if existing_notes else incoming_notes
    if not notes:
        notes.append(Reason("merged", {"target": target}))
    return changes, notes


def _overwrite(current: dict[str, Any], row: PreparedRow) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for column in (*FILLABLE, "name", "kind", "stage", "tags", "notes"):
        incoming = row.values.get(column)
        if incoming is None or column not in current:
            continue
        if column == "tags" and {t.casefold() for t in incoming.split(",") if t} == {
                t.casefold() for t in (current.get("tags") or "").split(",") if t}:
            continue
        if incoming != (current.get(column) or (None if column != "tags" else "")):
            changes[column] = incoming
    if "name" in changes:
        for key in ("name_key", "pinyin_full", "pinyin_initials"):
            changes[key] = row.values[key]
    tier = row.values.get("tier")
    if tier is not None and tier != current.get("tier"):
        changes["tier"], changes["tier_manual"] = tier, row.values.get("tier_manual", True)
    return changes


def merge_tags(existing: str, incoming: str) -> str:
    """``,a,b,`` ∪ ``,b,c,`` → ``,a,b,c,`` (order kept, stored form of ``format_tags``; case kept, a tag
    differing only in case is the same tag)."""
    tags = [t for t in existing.split(",") if t]
    seen = {t.casefold() for t in tags}
    for tag in (t for t in incoming.split(",") if t):
        if tag.casefold() not in seen:
            tags.append(tag)
            seen.add(tag.casefold())
    return f",{','.join(tags)}," if tags else ""


def merge_contact(existing: dict[str, Any], incoming: PreparedContact) -> dict[str, Any]:
    """Columns of an existing contact (same name) to fill from ``incoming``; its birthday only if it has none."""
    changes: dict[str, Any] = {}
    for column in ("title", "phone", "email"):
        value = getattr(incoming, column)
        if value and not existing.get(column):
            changes[column] = value
    if incoming.birthday_month and not existing.get("birthday_month"):
        for f in fields(PreparedContact):
            if f.name.startswith("birthday_"):
                changes[f.name] = getattr(incoming, f.name)
    return changes


def same_contact(name_a: str, name_b: str) -> bool:
    """Contacts are matched by name, ignoring case and spacing."""
    return "".join(name_a.split()).casefold() == "".join(name_b.split()).casefold()
