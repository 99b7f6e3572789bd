"""The card's purchase history and contracts, and `orders`: what a loyal customer has bought, what is open,
what is signed, read in a fixed number of statements and kept within Slack's block limits."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import event
from sqlmodel import Session

from adapters.slack.blocks import reply_blocks
from storage.models import Contract, Customer, Order


def test_the_card_after_three_paid_orders_shows_value_count_and_the_latest_three(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    for n, day in enumerate(("2025-06-01", "2026-03-01", "2026-10-01", "2026-11-10"), start=1):
        alice.say(f"order Acme {n * 1000} date:{day}")
        alice.say(f"paid #{n} {day}") if n < 4 else None
    card = alice.say("show Acme")
    assert "Lifetime CNY 10,000.00 · last 12 months CNY 9,000.00 · 4 orders · last 2026-11-10" in card
    assert "- #4 CNY 4,000.00 · 2026-11-10 · open" in card
    assert "- #3 CNY 3,000.00 · 2026-10-01 · paid 2026-10-01" in card
    assert "- #2 CNY 2,000.00 · 2026-03-01 · paid 2026-03-01" in card
    assert "#1 CNY 1,000.00" not in card and "All 4 orders: orders #1" in card
    zh = alice.say("查看 Acme")
    assert "累计 CNY 10,000.00 · 近12个月 CNY 9,000.00 · 共 4 笔订单 · 最近下单 2026-11-10" in zh
    assert "已回款 2026-10-01" in zh and "未回款" in zh and "订单列表 #1" in zh


def test_the_card_lists_live_contracts_with_their_end_and_an_overdue_order_stays_visible(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    for n in range(3):
        alice.say(f"order Acme {100 + n} date:2026-11-0{n + 1}")
    alice.say("order Acme 500 date:2026-01-02 due:2026-02-01")  # old and unpaid (recorded last: a late entry)
    alice.say('contract Acme "Annual service" amount:120000 start:2026-01-01 end:2026-12-10 renew:auto')
    alice.say("contract Acme Licence amount:3000 end:2027-06-30")
    alice.say("contract Acme Old start:2025-01-01 end:2025-12-31")  # expired: not on the card
    card = alice.say("show Acme")
    assert "- C1 Annual service · CNY 120,000.00 · until 2026-12-10 (22 days left) · renews automatically" in card
    assert "- C2 Licence · CNY 3,000.00 · until 2027-06-30" in card and "C3" not in card
    assert "Open orders" in card and "#4 CNY 500.00 · 2026-01-02 · due 2026-02-01 (overdue)" in card


def test_a_shared_card_shows_contract_ends_but_no_amounts(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("order Acme 12000")
    alice.say("contract Acme Service amount:120000 end:2027-06-30")
    out = alice.say("share Acme", channel="C-team", direct=False)
    assert "C1 Service · until 2027-06-30" in out
    assert "12,000" not in out and "120,000" not in out and "Purchase history" not in out


def test_orders_pages_through_every_order_with_its_state(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    for n in range(23):
        alice.say(f"order Acme {1000 + n} date:2026-{(n % 10) + 1:02d}-15")
    alice.say("paid #23")
    first = alice.say("orders Acme")
    assert "Orders of Acme (#1): 23, page 1 of 3" in first
    assert first.count("\n- #") + first.startswith("- #") == 10
    assert "Next page: orders #1 page:2" in first
    last = alice.say("orders #1 page:3")
    assert last.count("- #") == 3 and "Next page" not in last
    assert "订单共 3 页" in alice.say("订单列表 #1 页:4")
    alice.say("new Beta")
    assert "No orders yet for Beta (#2)" in alice.say("orders Beta")


@contextmanager
def _statements(engine):
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _heavy(engine, customer_id: int, *, orders: int, contracts: int) -> None:
    with Session(engine) as session:
        owner = session.get(Customer, customer_id).owner_id
        for n in range(orders):
            session.add(Order(customer_id=customer_id, amount=Decimal(100 + n), ordered_on=date(2026, 1 + n % 10, 1),
                              items="x" * 300, created_by=owner))
        for n in range(contracts):
            session.add(Contract(customer_id=customer_id, title="合同" * 100, amount=Decimal(10_000 + n),
                                 starts_on=date(2026, 1, 1), ends_on=date(2027, 1, 1 + n % 28), created_by=owner))
        session.commit()


def test_the_card_reads_the_same_few_statements_however_many_orders_and_contracts(chat, engine):
    alice = chat.user("alice")
    alice.say("new Small")
    alice.say("new Large")
    _heavy(engine, 1, orders=3, contracts=1)
    _heavy(engine, 2, orders=400, contracts=40)
    with _statements(engine) as small:
        alice.say("show #1")
    with _statements(engine) as large:
        alice.say("show #2")
    assert len(large) == len(small)


def test_a_customer_with_many_orders_and_contracts_stays_within_slack_block_limits(chat, engine):
    alice = chat.user("alice")
    alice.say("new Large notes:" + "n" * 3000)
    for n in range(10):
        alice.say(f"contact Large Person{n} title:{'t' * 80} phone:1380013800{n}")
    _heavy(engine, 1, orders=300, contracts=30)
    alice.say("show Large")
    (reply,) = alice.last
    blocks = reply_blocks(reply)
    texts = [b.get("text", {}).get("text", "") for b in blocks if isinstance(b.get("text"), dict)]
    assert len(blocks) <= 50
    assert all(len(text) <= 3000 for text in texts)
    assert sum(len(text) for text in texts) <= 12_000
    assert "More contracts" in "".join(texts)
