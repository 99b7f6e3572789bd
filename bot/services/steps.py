"""A customer's open next step: the latest follow-up whose step is neither done nor deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal_column
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from storage.models import Customer, FollowUp


def open_step(session: Session, customer_id: int) -> FollowUp | None:
    """The customer's open next step (the latest due one when history left several), or None."""
    return session.exec(
        select(FollowUp)
        .where(FollowUp.customer_id == customer_id, FollowUp.done_at.is_(None),
               FollowUp.next_due_at.is_not(None), FollowUp.deleted_at.is_(None))
        .order_by(FollowUp.next_due_at.desc(), FollowUp.id.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class OpenStep:
    """What a reply says of an open next step (read alongside another statement, without loading the row)."""

    id: int
    next_step: str | None
    next_due_at: datetime
    has_time: bool
    author_id: int


_OPEN_STEP_COLUMNS = (FollowUp.id, FollowUp.next_step, FollowUp.next_due_at, FollowUp.next_due_has_time,
                      FollowUp.author_id)


def open_step_columns() -> list[Any]:
    """Scalar subqueries, correlated to the ``customer`` row of an enclosing statement (an ``UPDATE … RETURNING``),
    that read that customer's open step: `open_step_from` turns them back into an `OpenStep`."""
    # RETURNING renders its columns without their table, so the subquery reads an alias and names the updated
    # row's id in full: "customer_id = id" would compare the follow-up with itself.
    step = aliased(FollowUp, name="open_step")
    updated: Any = literal_column(f"{Customer.__tablename__}.id")
    return [
        select(getattr(step, column.key))
        .where(step.customer_id == updated, step.done_at.is_(None), step.next_due_at.is_not(None),
               step.deleted_at.is_(None))
        .order_by(step.next_due_at.desc(), step.id.desc())
        .limit(1)
        .scalar_subquery()
        for column in _OPEN_STEP_COLUMNS
    ]


def open_step_from(values: Sequence[Any] | None) -> OpenStep | None:
    """The `OpenStep` read by `open_step_columns` (None when the customer has none)."""
    if values is None or values[0] is None:
        return None
    step_id, text, due_at, has_time, author_id = values
    if due_at.tzinfo is None:  # SQLite hands back naive UTC from a subquery (no column type to convert it)
        due_at = due_at.replace(tzinfo=UTC)
    return OpenStep(step_id, text, due_at, bool(has_time), author_id)
