"""Statements per interactive command on a warm connection: every statement is a round trip on PostgreSQL, so the
counts are pinned here (the benchmark prints them for the 60,000-customer book). Lower is fine; higher fails."""

from __future__ import annotations

import pytest

from benchmarks.statements import statements_of

# (warm-up command, measured command, what it costs today on both backends); the target is 6.
CASES = [
    ("show #1", "show #1", 7),
    ("log #1 called about the renewal", "log #1 called about the renewal", 8),
    ("log #1 called next:friday 10:00 send the quote", "log #1 called next:monday 10:00 call back", 9),
    ("find Acme", "find Acme", 7),
    ("paid #1", "paid #2", 6),
    ("remind #1 friday 15:00 call back", "remind #1 friday 16:00 call again", 6),
]


@pytest.fixture
def alice(chat):
    alice = chat.user("alice")
    alice.say("new Acme Trading phone:13800138000")
    for n in range(6):  # a customer with some history, like the benchmark's
        alice.say(f"log #1 call {n}")
    alice.say("order #1 100")
    alice.say("order #1 200")
    return alice


@pytest.mark.parametrize(("warm", "line", "budget"), CASES, ids=[case[1] for case in CASES])
def test_an_interactive_command_costs_few_statements(alice, engine, warm, line, budget):
    alice.say(warm)  # the connection, the statement caches and the user's row are warm
    sent = statements_of(engine, lambda: alice.say(line))
    assert all(reply.ok for reply in alice.last), alice.last
    assert len(sent) <= budget, "\n".join(sent)
