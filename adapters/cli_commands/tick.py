"""`crmbot tick [--now ISO-8601] [--verbose]`: one scheduler pass (enqueue + dispatch), for cron-style
deployments and tests.

Prints exactly one line per notification delivered, ``delivered <kind> <recipient> <occasion>``, flushed the
moment its send succeeded, so a pass that is killed still shows what it did. With ``--verbose`` the pushes
to terminal users are printed too; a summary goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tick", help="run one scheduler pass: enqueue and deliver due notifications")
    parser.add_argument("--now", type=parse_instant, default=None,
                        help="pretend it is this instant (ISO-8601 with offset, e.g. 2026-11-18T09:00+08:00)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also print the pushes for terminal users (their bodies)")
    parser.set_defaults(handler=handle)


def parse_instant(value: str) -> datetime:
    """An ISO-8601 instant; a value without an offset is refused rather than guessed."""
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset; add one, e.g. {value}+08:00 or {value}Z")
    return instant.astimezone(UTC)


def handle(args: argparse.Namespace) -> int:
    from adapters.bootstrap import bootstrap
    from adapters.scheduling import ensure_console_sender, tick_once
    from adapters.services import platform_services
    from bot.clock import FixedClock, SystemClock
    from bot.notifications.dispatch import Delivery

    clock = FixedClock(args.now) if args.now else SystemClock()
    runtime = bootstrap(clock=clock)
    services = platform_services(runtime)  # built, not started: building registers each platform's sender
    # Terminal users' pushes count as delivered either way; their bodies are printed only when asked for.
    discard = None if args.verbose else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    ensure_console_sender(runtime, discard or sys.stdout)

    def delivered(delivery: Delivery) -> None:
        print(delivery.line(), flush=True)

    try:
        report = tick_once(runtime, on_delivered=delivered)
    finally:
        if discard is not None:
            discard.close()
        for service in services:
            try:
                service.stop()  # never started; this only closes what building it opened
            except Exception as exc:
                print(f"crmbot tick: stopping {service.name}: {exc}", file=sys.stderr)
    dispatched = report.dispatched
    print(f"tick: enqueued {report.enqueued.total}, delivered {len(dispatched.delivered)}, "
          f"retrying {len(dispatched.retried) + len(dispatched.deferred)}, dead {len(dispatched.dead)}",
          file=sys.stderr)
    return 0

