"""Wiring the scheduler into a running crmbot: the `Service` for `crmbot run` and the one-pass `tick_once`.

The tick delivers through `runtime.senders` (platform → Sender). Platform services register their senders
when they are built; the console sender is added for terminal users whenever no other console sender was
registered. Tests inject a recording sender with `runtime.add_sender(...)` before calling `tick_once`, the
very function `crmbot tick` runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from adapters.bootstrap import Runtime
from adapters.console.chat import PLATFORM as CONSOLE
from adapters.console.chat import ConsoleSender
from bot.notifications.dispatch import Delivery, DispatchOptions
from schedules.tick import NotificationTick, TickReport, default_worker_id
from schedules.ticker import NotificationTicker


def ensure_console_sender(runtime: Runtime, out: TextIO | None = None) -> None:
    """Terminal users get their pushes printed, unless a console sender is already registered."""
    if CONSOLE not in runtime.senders:
        runtime.add_sender(ConsoleSender(out or sys.stdout))


def tick_once(runtime: Runtime, *, options: DispatchOptions | None = None,
              on_delivered: Callable[[Delivery], None] | None = None) -> TickReport:
    """Exactly one enqueue + dispatch pass at `runtime.clock.now()` through `runtime.senders`;
    ``on_delivered`` is called for each delivery as soon as its send succeeded."""
    tick = NotificationTick(engine=runtime.engine, settings=runtime.settings, clock=runtime.clock,
                            senders=runtime.senders, options=options, on_delivered=on_delivered)
    return tick()


class SchedulerService:
    """The notification ticks in the background of `crmbot run` (every `scheduler.tick_seconds`)."""

    name = "scheduler"
    is_platform = False

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.tick = NotificationTick(
            engine=runtime.engine, settings=runtime.settings, clock=runtime.clock,
            senders=runtime.senders,  # read on every tick: platform services register theirs as they start
            options=DispatchOptions.from_settings(runtime.settings, worker_id=default_worker_id()),
        )
        self.ticker = NotificationTicker(self.tick, seconds=runtime.settings.scheduler.tick_seconds)

    def start(self) -> None:
        """Start ticking (the console sender is added for terminal users first)."""
        ensure_console_sender(self.runtime)
        self.ticker.start()

    def stop(self) -> None:
        """Stop ticking after the running tick, if any, finishes."""
        self.ticker.stop()
