"""The `crmbot` command line: run, chat, db, and the admin tools each feature adds.

Each subcommand lives in its own module under `adapters/cli_commands/` exposing ``register(subparsers)``;
this file only assembles them and turns configuration errors into one clear line and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from config.settings import ConfigError

# Modules in adapters.cli_commands, in the order `crmbot --help` lists them.
SUBCOMMAND_MODULES: tuple[str, ...] = ("run", "chat", "db", "tick", "importer", "exporter", "demo")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="crmbot", description="A CRM that lives in DingTalk, Slack and your terminal.")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"adapters.cli_commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `crmbot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"crmbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
