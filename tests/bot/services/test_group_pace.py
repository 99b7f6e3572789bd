"""A group's send slots, taken by concurrent replicas (real threads, one engine each side of the race): never
more than the limit within the window, and the refused ones told when a slot frees."""

from __future__ import annotations

from bot.conversation import reserve_group_sends
from bot.dispatcher import Bot
from tests.bot.test_concurrency import at_once


def test_concurrent_senders_take_exactly_the_free_slots(engine, settings, clock) -> None:
    replicas = [Bot(engine=engine, settings=settings, clock=clock) for _ in range(2)]
    waits = at_once([lambda n=n: reserve_group_sends(replicas[n % 2], "dingtalk:cidGROUP==", limit=5)
                     for n in range(8)])
    assert sorted(w == 0.0 for w in waits) == [False] * 3 + [True] * 5
    assert all(0 < w <= 60 for w in waits if w)
    assert reserve_group_sends(replicas[0], "dingtalk:cidOTHER==", limit=5) == 0.0  # each group has its own


def test_slots_free_as_the_window_moves(bot, clock) -> None:
    for _ in range(3):
        assert reserve_group_sends(bot, "dingtalk:cidG==", limit=3) == 0.0
        clock.advance(seconds=10)
    wait = reserve_group_sends(bot, "dingtalk:cidG==", limit=3)
    assert abs(wait - 30.0) < 0.01  # the first send leaves the minute 30 s from now
    clock.advance(seconds=wait)
    assert reserve_group_sends(bot, "dingtalk:cidG==", limit=3) == 0.0
    assert reserve_group_sends(bot, "dingtalk:cidG==", 2, limit=3) > 0  # two at once need two free slots
    clock.advance(minutes=2)
    assert reserve_group_sends(bot, "dingtalk:cidG==", 3, limit=3) == 0.0
