"""A customer's open next step: the latest follow-up whose step is neither done nor deleted."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import FollowUp


def open_step(session: Session, customer_id: int) -> FollowUp | None:
    """The customer's open next step (the latest due one when history left several), or None."""
    return session.exec(
        select(FollowUp)
        .where(FollowUp.customer_id == customer_id, FollowUp.done_at.is_(None),
               FollowUp.next_due_at.is_not(None), FollowUp.deleted_at.is_(None))
        .order_by(FollowUp.next_due_at.desc(), FollowUp.id.desc())
        .limit(1)
    ).first()
