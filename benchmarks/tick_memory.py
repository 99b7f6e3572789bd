"""One whole scheduler pass, timed and its peak memory measured in a process of its own:
``python -m benchmarks.tick_memory URL``.

The morning pass: from an empty outbox, the tick enqueues everything due at the benchmark's instant (including
the hourly churn pass), renders it and hands it to a sender that accepts every message, so nothing leaves the
machine. Prints JSON with the pass's duration, the process's resident set before the tick (interpreter and
libraries loaded) and its peak during the tick, and how many due rows the pass left for a later one.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from benchmarks.dataset import BENCH_NOW
from bot.clock import FixedClock
from bot.messages import Reply, SentMessage, Target


class AcceptingSender:
    """A sender for the terminal platform that keeps count instead of printing."""

    platform = "console"

    def __init__(self) -> None:
        self.sent = 0

    def send(self, target: Target, reply: Reply) -> SentMessage:
        self.sent += 1
        return SentMessage(platform="console", workspace=target.workspace, channel=target.key(),
                           message_id=str(self.sent))

    def update(self, message: SentMessage, reply: Reply) -> None:
        """Cards are not updated in this benchmark."""


def _rss_mb() -> float:
    """This process's peak resident set so far, in MB.

    VmHWM, not ``ru_maxrss``: Linux carries ``ru_maxrss`` across ``exec``, so a process started by the
    benchmark would report the benchmark's own peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main(url: str) -> None:
    """Run one tick against ``url`` and print the measurements."""
    from sqlalchemy import delete, func, select

    from bot.notifications.dispatch import DispatchOptions
    from config.settings import load_settings
    from schedules.tick import NotificationTick
    from storage.db import create_db_engine
    from storage.models import NotificationOutbox
    from storage.uow import unit_of_work

    settings = load_settings(database_url=url)
    engine = create_db_engine(url)
    with unit_of_work(engine) as session:
        session.exec(delete(NotificationOutbox))
    sender = AcceptingSender()
    tick = NotificationTick(engine=engine, settings=settings, clock=FixedClock(BENCH_NOW),
                            senders={"console": sender}, options=DispatchOptions(worker_id="bench-memory"))
    before = _rss_mb()
    started = time.perf_counter()
    report = tick()
    seconds = time.perf_counter() - started
    with unit_of_work(engine, write=False) as session:
        left = session.execute(select(func.count()).select_from(NotificationOutbox).where(
            NotificationOutbox.status == "pending", NotificationOutbox.not_before <= BENCH_NOW)).scalar_one()
    print(json.dumps({
        "rss_before_mb": round(before, 1), "peak_rss_mb": round(_rss_mb(), 1),
        "seconds": round(seconds, 2), "enqueued": report.enqueued.total,
        "delivered": len(report.dispatched.delivered), "sent": sender.sent, "left_due": left,
    }))
    with unit_of_work(engine) as session:
        session.exec(delete(NotificationOutbox))


if __name__ == "__main__":
    main(sys.argv[1])
