"""Deal writes under real concurrent threads (PostgreSQL and SQLite): one current stage per deal whatever the
interleaving, a history whose stays chain, one order per won deal, no internal error shown."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from storage.models import DealStageVisit, Opportunity, Order
from tests.bot.test_concurrency import at_once, no_errors, say


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"], "shares_customers": True}]}


@pytest.fixture
def deal(chat):
    for name in ("alice", "bob", "mia"):
        chat.user(name).say("help")
    chat.user("alice").say("new Acme")
    chat.user("alice").say("deal Acme pumps amount:12000")
    return 1


def _visits(engine) -> list[DealStageVisit]:
    with Session(engine) as session:
        return list(session.exec(select(DealStageVisit).order_by(DealStageVisit.id)).all())


def test_concurrent_stage_changes_leave_one_current_stay_and_a_chained_history(bot, engine, deal):
    stages = ["needs", "proposal", "negotiation", "qualify"] * 3
    people = ["alice", "bob", "mia"]
    outs = at_once([lambda n=n, s=s: say(bot, people[n % 3], f"stage D1 {s}") for n, s in enumerate(stages)])
    no_errors(outs)
    visits = _visits(engine)
    current = [v for v in visits if v.left_at is None]
    assert len(current) == 1
    with Session(engine) as session:
        assert session.get(Opportunity, 1).stage == current[0].stage
    for earlier, later in zip(visits, visits[1:], strict=False):
        assert earlier.left_at == later.entered_at  # each stay ends where the next begins
        assert earlier.stage != later.stage
    moved = [out for out in outs if "→" in out]
    assert len(visits) == 1 + len(moved)


def test_concurrent_wins_with_orders_make_one_order(bot, engine, deal):
    outs = at_once([lambda n=n: say(bot, ["alice", "bob"][n % 2], "won D1 order") for n in range(8)])
    no_errors(outs)
    with Session(engine) as session:
        orders = session.exec(select(Order)).all()
        assert session.get(Opportunity, 1).status == "won"
    assert len(orders) == 1 and orders[0].deal_id == 1
    assert sum("Recorded order" in out for out in outs) == 1
    assert sum("already won" in out for out in outs) == 7


def test_won_and_lost_at_once_close_the_deal_one_way(bot, engine, deal):
    outs = at_once([lambda: say(bot, "alice", "won D1"), lambda: say(bot, "bob", "lost D1 reason:price"),
                    lambda: say(bot, "mia", "lost D1 reason:timing")])
    no_errors(outs)
    with Session(engine) as session:
        final = session.get(Opportunity, 1)
    closing = [v for v in _visits(engine) if v.stage in ("won", "lost")]
    assert len(closing) == 1 and closing[0].stage == final.status


def test_concurrent_new_deals_are_all_kept(bot, engine, deal):
    outs = at_once([lambda n=n: say(bot, ["alice", "bob"][n % 2], f"deal Acme lot {n} amount:{n + 1}000")
                    for n in range(10)])
    no_errors(outs)
    with Session(engine) as session:
        deals = session.exec(select(Opportunity)).all()
    assert len(deals) == 11 and len(_visits(engine)) == 11
