"""The keyed work queue: one person's messages in order, nobody waiting behind someone else's slow command."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from adapters.workers import KeyedWorkQueue, QueueClosedError

WAIT = 5.0


@pytest.fixture
def queue() -> Iterator[KeyedWorkQueue]:
    work = KeyedWorkQueue(workers=4)
    yield work
    work.close(timeout=1)


def test_jobs_of_one_key_run_in_arrival_order(queue: KeyedWorkQueue) -> None:
    first_started, release = threading.Event(), threading.Event()
    done: list[int] = []

    def slow_first() -> None:
        first_started.set()
        release.wait(WAIT)
        done.append(1)

    queue.submit("alice", slow_first)
    assert first_started.wait(WAIT)
    for n in (2, 3, 4):
        queue.submit("alice", lambda n=n: done.append(n))  # type: ignore[misc]  # a default binds n
    assert done == []  # still behind the first job, although workers are free
    release.set()
    assert queue.wait_idle(WAIT)
    assert done == [1, 2, 3, 4]


def test_a_slow_job_does_not_hold_up_other_keys(queue: KeyedWorkQueue) -> None:
    release, bob_done = threading.Event(), threading.Event()
    queue.submit("alice", lambda: release.wait(WAIT))
    queue.submit("bob", bob_done.set)
    assert bob_done.wait(WAIT)
    assert queue.backlog == 1
    release.set()
    assert queue.wait_idle(WAIT)


def test_a_failing_job_does_not_stop_the_next_one(queue: KeyedWorkQueue) -> None:
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("boom")

    queue.submit("alice", broken)
    queue.submit("alice", ran.set)
    assert ran.wait(WAIT)


def test_close_refuses_new_work_and_reports_what_was_left() -> None:
    work = KeyedWorkQueue(workers=1)
    started, release = threading.Event(), threading.Event()
    def hold() -> None:
        started.set()
        release.wait(WAIT)

    work.submit("alice", hold)
    work.submit("alice", lambda: None)
    assert started.wait(WAIT)
    assert work.close(timeout=0.05) == 2
    release.set()
    with pytest.raises(QueueClosedError):
        work.submit("bob", lambda: None)
