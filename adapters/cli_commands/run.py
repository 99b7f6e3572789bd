"""`crmbot run`: start every configured listener plus the scheduler; the terminal chat without platforms."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

NO_PLATFORM_NOTICE = (
    "No Slack or DingTalk credentials set: starting the terminal chat. "
    "Set SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET or DINGTALK_CLIENT_ID + DINGTALK_CLIENT_SECRET to connect (see README)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run the bot (Slack / DingTalk / terminal) with its scheduler")
    parser.add_argument("--as", dest="user", default=None, help="terminal chat user when no platform is configured")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the notification ticks here")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from adapters.bootstrap import bootstrap
    from adapters.services import platform_services, scheduler_service, web_service

    runtime = bootstrap()
    services = platform_services(runtime)
    web = web_service(runtime, services)
    if web is not None:  # survey pages when no Slack HTTP server carries them
        services.append(web)
    if not args.no_scheduler:
        services.append(scheduler_service(runtime))

    if not any(getattr(s, "is_platform", False) for s in services):
        return _run_console(runtime, services, args.user)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if hasattr(signal, "SIGHUP"):  # roles and teams from the edited config, without a restart
        from adapters.bootstrap import reload_people

        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=reload_people, args=(runtime,),
                                                                  name="config-reload", daemon=True).start())
    for service in services:
        service.start()
    print("crmbot running: " + ", ".join(s.name for s in services) + " (Ctrl-C to stop)", file=sys.stderr)
    try:
        stop.wait()
    finally:
        for service in reversed(services):
            service.stop()
    return 0


def _run_console(runtime, services, user: str | None) -> int:
    from adapters.bootstrap import quiet_console_logging
    from adapters.cli_commands.chat import default_user
    from adapters.console.chat import ConsoleChat, ConsoleSender

    print(NO_PLATFORM_NOTICE, file=sys.stderr)
    quiet_console_logging()
    runtime.add_sender(ConsoleSender())
    for service in services:
        service.start()
    try:
        chat = ConsoleChat(runtime.bot, user=user or default_user())
        return chat.run_interactive() if sys.stdin.isatty() else chat.run_batch(sys.stdin)
    finally:
        for service in reversed(services):
            service.stop()
