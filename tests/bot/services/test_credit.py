"""Credit rating (信用等级): A/B/C/D from payment behaviour, on the card, and a warning before an order on a D."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from bot.services.credit import rate
from storage.models import Order


@pytest.mark.parametrize(("due", "on_time", "days", "owes", "rating"), [
    (0, 0, 0, False, None), (4, 4, 0, False, "A"), (10, 8, 0, False, "B"), (4, 4, 5, True, "B"),
    (10, 6, 0, False, "C"), (4, 4, 31, True, "C"), (4, 1, 0, False, "D"), (4, 4, 91, True, "D"),
])
def test_the_rating_rules(due, on_time, days, owes, rating):
    assert rate(due_orders=due, on_time=on_time, days_overdue=days, owes=owes) == rating


def test_the_card_shows_the_rating_and_an_order_on_a_d_customer_warns_first(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    assert "Credit: not rated yet" in alice.say("show Acme")
    alice.say("order Acme 3000 date:2026-09-01 due:2026-10-01")
    alice.say("paid #1 2026-09-20")
    assert "Credit: A" in alice.say("show Acme")
    alice.say("order Acme 5000 date:2026-06-01 due:2026-07-01")  # unpaid for 140 days
    card = alice.say("show Acme")
    assert "Credit: D" in card and "Payments: 50% of 2 on time · CNY 5,000.00 overdue, oldest 140 days" in card
    out = alice.say("order Acme 8000")
    assert "is rated D for credit" in out and "Nothing was recorded" in out
    with Session(engine) as session:
        assert len(session.exec(select(Order)).all()) == 2
    assert "Recorded order #3" in alice.say("order Acme 8000 force:yes")
    out = alice.say("订单 Acme 100")
    assert "信用等级为 D" in out and "确认:是" in out


def test_a_prompt_payer_is_rated_a(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 5000 date:2026-10-01 due:2026-11-01")
    alice.say("paid #1 2026-10-30")
    assert "Credit: A" in alice.say("show Acme")
    assert date(2026, 11, 1)  # due before today (2026-11-18): it counts
