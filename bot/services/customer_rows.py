"""What belongs to a customer, declared once: the rows a merge moves to the kept customer and an unmerge
moves back, exactly.

`OWNED` lists every table with a ``customer_id`` (or another column naming the customer) whose rows are the
customer's: contacts, follow-ups, orders, opportunities (deals), reminders, survey links and answers, points,
shared cards, tickets. A feature that adds such a table adds ONE line here, ``Owned(Deal)``; `bot.services.merging` moves
the rows and records their ids, so `unmerge` puts back exactly those rows, and a table missing from here is
caught by ``tests/bot/care/test_merge.py`` (every foreign key to ``customer.id`` must be declared or listed in
`NOT_OWNED`).

Tables with a rule "one per customer" get hooks: `before_move` runs before the rows move and returns notes
the undo needs (a follow-up step closed so the one-open-step index holds, a shared card replaced so one
channel keeps one live card); `after_undo` runs after the rows moved back. A table whose rows must not move
at all (one row per customer, the points balance) sets ``moves_rows=False`` and does its work in the hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, select

from storage.models import (
    Contact,
    Contract,
    FollowUp,
    LoyaltyAccount,
    Opportunity,
    Order,
    PointsEntry,
    Reminder,
    Satisfaction,
    SharedCard,
    SurveyInvite,
    Ticket,
)


@dataclass(frozen=True)
class MergeStep:
    """What a hook knows about the merge it takes part in."""

    keep_id: int
    drop_id: int
    tenant: str
    at: datetime  # when the merge (or the undo) happens


Notes = dict[str, Any]


@dataclass(frozen=True)
class Owned:
    """A table whose rows belong to a customer."""

    model: type[SQLModel]
    column: str = "customer_id"
    before_move: Callable[[Session, MergeStep], Notes] | None = None
    after_undo: Callable[[Session, MergeStep, Notes], None] | None = None
    moves_rows: bool = True

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


# -- hooks ---------------------------------------------------------------------------------------------------


def _open_step(customer_id: int) -> tuple[Any, ...]:
    return (FollowUp.customer_id == customer_id, FollowUp.done_at.is_(None), FollowUp.next_due_at.is_not(None),
            FollowUp.deleted_at.is_(None))


def _close_second_open_step(session: Session, step: MergeStep) -> Notes:
    """One open next step per customer: when both have one, the kept customer's stays and the dropped one's
    is closed at the merge (the undo reopens it)."""
    kept = session.exec(select(FollowUp.id).where(*_open_step(step.keep_id))).first()
    dropped = list(session.exec(select(FollowUp.id).where(*_open_step(step.drop_id))).all())
    if kept is None or not dropped:
        return {}
    session.execute(update(FollowUp).where(FollowUp.id.in_(dropped)).values(done_at=step.at)
                    .execution_options(synchronize_session=False))
    return {"closed_steps": dropped}


def _reopen_steps(session: Session, step: MergeStep, notes: Notes) -> None:
    closed = notes.get("closed_steps") or []
    if closed:
        merged_at = datetime.fromisoformat(notes["at"])
        session.execute(update(FollowUp).where(FollowUp.id.in_(closed), FollowUp.done_at == merged_at)
                        .values(done_at=None).execution_options(synchronize_session=False))


def _replace_second_live_card(session: Session, step: MergeStep) -> Notes:
    """One live shared card per customer and channel: the dropped customer's card in a channel where the kept
    one has a live card is marked replaced (the undo makes it live again)."""
    kept = {(c.platform, c.workspace, c.channel) for c in session.exec(
        select(SharedCard).where(SharedCard.customer_id == step.keep_id, SharedCard.replaced_at.is_(None))).all()}
    clash = [c.id for c in session.exec(
        select(SharedCard).where(SharedCard.customer_id == step.drop_id, SharedCard.replaced_at.is_(None))).all()
        if (c.platform, c.workspace, c.channel) in kept]
    if not clash:
        return {}
    session.execute(update(SharedCard).where(SharedCard.id.in_(clash)).values(replaced_at=step.at)
                    .execution_options(synchronize_session=False))
    return {"replaced_cards": clash}


def _relive_cards(session: Session, step: MergeStep, notes: Notes) -> None:
    replaced = notes.get("replaced_cards") or []
    if replaced:
        merged_at = datetime.fromisoformat(notes["at"])
        session.execute(update(SharedCard).where(SharedCard.id.in_(replaced), SharedCard.replaced_at == merged_at)
                        .values(replaced_at=None).execution_options(synchronize_session=False))


def _account(session: Session, customer_id: int, tenant: str, at: datetime) -> LoyaltyAccount:
    found = session.get(LoyaltyAccount, customer_id, with_for_update=True)
    if found is None:
        found = LoyaltyAccount(customer_id=customer_id, tenant=tenant, balance=0, updated_at=at)
        session.add(found)
        session.flush()
    return found


def _add_balances(session: Session, step: MergeStep) -> Notes:
    """The dropped customer's points join the kept customer's balance (its ledger rows move as rows)."""
    dropped = session.get(LoyaltyAccount, step.drop_id, with_for_update=True)
    if dropped is None or dropped.balance == 0:
        return {}
    kept = _account(session, step.keep_id, step.tenant, step.at)
    kept.balance += dropped.balance
    moved = dropped.balance
    dropped.balance = 0
    kept.updated_at = dropped.updated_at = step.at
    session.add(kept)
    session.add(dropped)
    session.flush()
    return {"points": moved}


def _split_balances(session: Session, step: MergeStep, notes: Notes) -> None:
    """The dropped customer gets back what is left of its own earned points (the ledger rows are back by now:
    a balance is the sum of its earned entries' `remaining`, so nothing can go negative)."""
    if "points" not in notes:
        return
    left = sum(session.exec(select(PointsEntry.remaining).where(PointsEntry.customer_id == step.drop_id)).all())
    kept = _account(session, step.keep_id, step.tenant, step.at)
    dropped = _account(session, step.drop_id, step.tenant, step.at)
    back = min(left, kept.balance)
    kept.balance -= back
    dropped.balance += back
    kept.updated_at = dropped.updated_at = step.at
    session.add(kept)
    session.add(dropped)
    session.flush()


OWNED: tuple[Owned, ...] = (
    Owned(Contact),
    Owned(FollowUp, before_move=_close_second_open_step, after_undo=_reopen_steps),
    Owned(Order),
    Owned(Opportunity),
    Owned(Reminder),
    Owned(SurveyInvite),
    Owned(Satisfaction),
    Owned(PointsEntry),
    Owned(LoyaltyAccount, before_move=_add_balances, after_undo=_split_balances, moves_rows=False),
    Owned(SharedCard, before_move=_replace_second_live_card, after_undo=_relive_cards),
    Owned(Ticket),
    Owned(Contract),
)

# Tables that name a customer but are not the customer's to move: search keys derived from its own row, the
# audit trail and the automation rules' firings (history stays where it happened: a rule that fired for the
# dropped customer must not fire again for the kept one), the public pool's releases and claims (the dropped
# customer's pool history stays with it; a deleted customer is never listed in the pool, and an unmerge puts it
# back where it was), the merge records and duplicate pairs themselves.
NOT_OWNED = frozenset({"customer_bigram", "audit_log", "automation_run", "pool_release", "pool_claim",
                       "customer_merge", "duplicate_pair"})
