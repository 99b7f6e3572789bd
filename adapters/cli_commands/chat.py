"""`crmbot chat [--as NAME]`: the terminal chat (interactive on a terminal, batch when piped)."""

from __future__ import annotations

import argparse
import getpass
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("chat", help="chat with the bot in this terminal")
    parser.add_argument("--as", dest="user", default=None, help="the user to act as (created as a rep on first use)")
    parser.set_defaults(handler=handle)


def default_user() -> str:
    """The login name, used when --as is not given."""
    try:
        return getpass.getuser() or "me"
    except Exception:  # no passwd entry in some containers
        return "me"


def handle(args: argparse.Namespace) -> int:
    from adapters.bootstrap import bootstrap, quiet_console_logging
    from adapters.console.chat import ConsoleChat

    runtime = bootstrap()
    quiet_console_logging()
    chat = ConsoleChat(runtime.bot, user=args.user or default_user())
    if sys.stdin.isatty():
        return chat.run_interactive()
    return chat.run_batch(sys.stdin)
