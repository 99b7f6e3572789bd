"""Merging duplicate customers (合并) and undoing a merge (撤销合并) within `UNDO_DAYS`.

`merge_customers` moves every row the customer owns (`bot.services.customer_rows.OWNED`) from the dropped
customer to the kept one, fills the kept customer's empty fields from the dropped one (tags are joined),
soft-deletes the dropped customer with a pointer to the kept one (`merged_into_id`) and writes a
`CustomerMerge` record of exactly which rows moved and which fields were filled. `unmerge_customer` reads
that record back: the same rows return, the filled fields are emptied again (unless someone changed them
since), the dropped customer comes back. Rows created on the kept customer after the merge stay there.

Both lock the two customers' rows in id order first (a concurrent merge of the same pair, or of a chain,
waits and then sees the other's result); a customer is merged away at most once at a time (a unique
partial index on the live merge records).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from bot.errors import UserError
from bot.services.customer_rows import OWNED, MergeStep
from storage.models import Customer, CustomerMerge

UNDO_DAYS = 30
# Filled on the kept customer when empty there; tags are joined; everything else stays the kept one's.
FILLABLE = ("industry", "region", "address", "phone", "email", "source", "notes", "timezone")


@dataclass(frozen=True)
class MergeResult:
    """What a merge or an unmerge did: rows per table, fields filled."""

    merge: CustomerMerge
    moved: dict[str, int]
    filled: tuple[str, ...]


def _lock_pair(session: Session, first_id: int, second_id: int) -> None:
    for customer_id in sorted((first_id, second_id)):  # always the same order: no deadlock between merges
        session.execute(update(Customer).where(Customer.id == customer_id).values(id=Customer.id)
                        .execution_options(synchronize_session=False))


def _fresh(session: Session, customer_id: int) -> Customer:
    found = session.get(Customer, customer_id, populate_existing=True)
    assert found is not None
    return found


def merge_customers(session: Session, *, keep: Customer, drop: Customer, user_id: int, now: datetime) -> MergeResult:
    """Merge `drop` into `keep` (both already checked: same tenant, the asker may change both)."""
    if keep.id == drop.id:
        raise UserError("merging:same_customer", customer=keep)
    _lock_pair(session, keep.id, drop.id)
    keep, drop = _fresh(session, keep.id), _fresh(session, drop.id)
    for customer in (keep, drop):
        if customer.deleted_at is not None:
            raise UserError("merging:already_gone", customer=customer)
    step = MergeStep(keep_id=keep.id, drop_id=drop.id, tenant=keep.tenant, at=now)
    notes: dict[str, Any] = {"at": now.isoformat()}
    for owned in OWNED:
        if owned.before_move is not None:
            notes.update(owned.before_move(session, step))
    moved: dict[str, list[int]] = {}
    for owned in OWNED:
        if not owned.moves_rows:
            continue
        column = getattr(owned.model, owned.column)
        key = _primary_key(owned)
        ids = list(session.exec(select(key).where(column == drop.id).order_by(key)).all())
        if ids:
            session.execute(update(owned.model).where(column == drop.id).values({owned.column: keep.id})
                            .execution_options(synchronize_session=False))
            moved[owned.name] = ids
    filled = _fill(keep, drop)
    extra = _carry_state(session, keep, drop)
    keep.updated_at = now
    drop.deleted_at, drop.merged_into_id, drop.updated_at = now, keep.id, now
    session.add(keep)
    session.add(drop)
    record = CustomerMerge(tenant=keep.tenant, keep_id=keep.id, drop_id=drop.id, merged_by=user_id, merged_at=now,
                           moved=json.dumps(moved), filled=json.dumps({**filled, **extra}, default=str),
                           notes=json.dumps(notes))
    session.add(record)
    session.flush()
    return MergeResult(record, {name: len(ids) for name, ids in moved.items()}, tuple(filled))


def _primary_key(owned: Any) -> Any:
    (key,) = owned.model.__table__.primary_key.columns
    return getattr(owned.model, key.name)


def _fill(keep: Customer, drop: Customer) -> dict[str, Any]:
    """Fill `keep`'s empty fields from `drop`; returns {field: value it had before} for the undo."""
    before: dict[str, Any] = {}
    for name in FILLABLE:
        if not getattr(keep, name) and getattr(drop, name):
            before[name] = getattr(keep, name)
            setattr(keep, name, getattr(drop, name))
    tags = [t for t in keep.tags.split(",") if t]
    extra = [t for t in drop.tags.split(",") if t and t not in tags]
    if extra:
        before["tags"] = keep.tags
        keep.tags = "," + ",".join(tags + extra) + ","
    return {name: {"before": value, "after": getattr(keep, name)} for name, value in before.items()}


def _carry_state(session: Session, keep: Customer, drop: Customer) -> dict[str, Any]:
    """The kept customer's next step and last contact after the rows moved (the dropped one's open step may now
    be the kept one's); returned as filled fields so the undo can put them back."""
    changed: dict[str, Any] = {}
    if keep.next_followup_at is None and drop.next_followup_at is not None and drop.next_step is not None:
        for name in ("next_followup_at", "next_step"):
            changed[name] = {"before": getattr(keep, name), "after": getattr(drop, name)}
            setattr(keep, name, getattr(drop, name))
    if drop.last_contact_at is not None and (keep.last_contact_at is None or drop.last_contact_at > keep.last_contact_at):
        changed["last_contact_at"] = {"before": keep.last_contact_at, "after": drop.last_contact_at}
        keep.last_contact_at = drop.last_contact_at
    return changed


def live_merge_of(session: Session, drop: Customer) -> CustomerMerge | None:
    """The merge that took `drop` away and is not undone yet."""
    return session.exec(select(CustomerMerge).where(CustomerMerge.drop_id == drop.id,
                                                    CustomerMerge.undone_at.is_(None))).first()


def unmerge_customer(session: Session, *, drop: Customer, user_id: int, now: datetime) -> MergeResult:
    """Undo the merge that took `drop` away: its rows, fields and the customer itself come back."""
    record = live_merge_of(session, drop)
    if record is None:
        raise UserError("merging:not_merged", customer=drop)
    _lock_pair(session, record.keep_id, record.drop_id)
    record = session.get(CustomerMerge, record.id, populate_existing=True)
    assert record is not None
    if record.undone_at is not None:
        raise UserError("merging:not_merged", customer=drop)
    keep, drop = _fresh(session, record.keep_id), _fresh(session, record.drop_id)
    merged_at = record.merged_at if record.merged_at.tzinfo else record.merged_at.replace(tzinfo=now.tzinfo)
    if now - merged_at > timedelta(days=UNDO_DAYS):
        raise UserError("merging:too_old", customer=drop, days=UNDO_DAYS, day=merged_at.date().isoformat())
    if keep.deleted_at is not None:
        raise UserError("merging:keep_gone", customer=drop, keep=keep)
    step = MergeStep(keep_id=keep.id, drop_id=drop.id, tenant=keep.tenant, at=now)
    moved: dict[str, list[int]] = json.loads(record.moved)
    back: dict[str, int] = {}
    by_name = {owned.name: owned for owned in OWNED}
    for name, ids in moved.items():
        owned = by_name.get(name)
        if owned is None:
            continue
        column = getattr(owned.model, owned.column)
        result = session.execute(update(owned.model).where(_primary_key(owned).in_(ids), column == keep.id)
                                 .values({owned.column: drop.id}).execution_options(synchronize_session=False))
        back[name] = max(result.rowcount or 0, 0)
    notes = json.loads(record.notes)
    for owned in OWNED:
        if owned.after_undo is not None:
            owned.after_undo(session, step, notes)
    filled = json.loads(record.filled)
    for name, change in filled.items():
        if _same(getattr(keep, name), change["after"]):  # untouched since the merge
            setattr(keep, name, _typed(name, change["before"]))
    keep.updated_at = now
    drop.deleted_at, drop.merged_into_id, drop.updated_at = None, None, now
    record.undone_at, record.undone_by = now, user_id
    session.add(keep)
    session.add(drop)
    session.add(record)
    session.flush()
    return MergeResult(record, back, tuple(filled))


def _same(current: Any, recorded: Any) -> bool:
    if isinstance(current, datetime) and isinstance(recorded, str):
        return current.isoformat() == recorded or str(current) == recorded
    return current == recorded


def _typed(name: str, value: Any) -> Any:
    if value is not None and name in ("next_followup_at", "last_contact_at") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
