"""What `--on-duplicate merge` does to a customer: fill its blanks from the row, never overwrite.

Blank fields take the row's value; tags are united; notes are appended unless already there; a value the
customer already has and the row contradicts is kept, with a note naming both. The name and the owner
never change. A contact of the same name is completed, otherwise the row's contact is added.
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
MERGED_COLUMNS = (*FILLABLE, *DEFAULTED, "tier_manual", "tags", "notes")


def merge_values(current: dict[str, Any], row: PreparedRow, target: tuple[str, int, str]) -> tuple[dict[str, Any], list[Reason]]:
    """The changed columns of ``current`` after merging ``row`` into it, and notes on kept values."""
    changes: dict[str, Any] = {}
    notes: list[Reason] = []
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


def merge_tags(existing: str, incoming: str) -> str:
    """``,a,b,`` ∪ ``,b,c,`` → ``,a,b,c,`` (order kept, stored form of ``format_tags``)."""
    tags = [t for t in existing.split(",") if t]
    tags += [t for t in incoming.split(",") if t and t not in tags]
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
