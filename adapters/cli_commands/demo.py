"""`crmbot demo [--customers N] [--seed S]`: fill an empty database with realistic demo data."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="fill an empty database with generated demo data",
        description="Generate teams, managers, reps in several time zones, customers with contacts (solar and "
        "lunar birthdays), two years of follow-ups and orders. The same seed gives the same data. It needs an "
        "empty database: point CRM_DATA_DIR at a new folder (e.g. CRM_DATA_DIR=~/crm-demo crmbot demo) and "
        "use the same CRM_DATA_DIR for `crmbot chat`. It prints a rep, a manager and an admin to log in as.",
    )
    parser.add_argument("--customers", type=int, default=2000, help="how many customers (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from adapters.bootstrap import bootstrap
    from bot.demo import DemoError, generate_demo

    if args.customers < 0:
        print("crmbot demo: --customers must be 0 or more", file=sys.stderr)
        return 2
    runtime = bootstrap(apply_config=False)  # people the config names would make the database look used

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{done:,} / {total:,} customers")
            sys.stderr.flush()

    try:
        report = generate_demo(runtime.engine, runtime.settings, customers=args.customers, seed=args.seed,
                               now=runtime.clock.now(), progress=progress)
    except DemoError as exc:
        print(f"crmbot demo: {exc}", file=sys.stderr)
        return 1
    finally:
        if sys.stderr.isatty():
            sys.stderr.write("\r" + " " * 40 + "\r")
    print(f"Demo data for tenant {report.tenant!r}: {report.teams} teams, {report.users} users, "
          f"{report.customers:,} customers, {report.contacts:,} contacts, {report.followups:,} follow-ups, "
          f"{report.orders:,} orders, {report.contracts:,} contracts ({report.seconds:.1f} s).")
    print("Try it as:")
    for role, name in report.logins:
        print(f"  crmbot chat --as {name:<14} # {role}: {ROLE_WORDS.get(role, '')}")
    return 0


ROLE_WORDS = {"rep": "sees their own customers", "manager": "that rep's manager, sees the team",
              "admin": "sees everything, manages roles"}
