"""The `crmbot` command line: run, chat, db, and the admin tools each feature adds.

Each subcommand lives in its own module under `adapters/cli_commands/` exposing ``register(subparsers)``;
this file only assembles them and turns configuration errors into one clear line and exit status 2, and a
reader that stopped reading (`crmbot chat … | head`) into a quiet exit.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from adapters.platforms import discover
from config.settings import ConfigError

# Modules in adapters.cli_commands, in the order `crmbot --help` lists them.
SUBCOMMAND_MODULES: tuple[str, ...] = ("run", "chat", "db", "tick", "importer", "exporter", "demo", "report")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="crmbot", description="A CRM that lives in DingTalk, Slack and your terminal.")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"adapters.cli_commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `crmbot` console script."""
    discover()  # every platform registers its capabilities and declares its settings before any are read
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
    except BrokenPipeError:
        return _closed_pipe()


# What a shell reports for a process ended by SIGPIPE (128 + 13), like `yes | head` does.
EXIT_CLOSED_PIPE = 141


def _closed_pipe() -> int:
    """stdout's reader went away: end without a traceback, and keep Python's own final flush of stdout from
    raising again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_CLOSED_PIPE


if __name__ == "__main__":
    sys.exit(main())
