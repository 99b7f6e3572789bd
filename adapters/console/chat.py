"""The terminal chat: the same commands a rep types in Slack or DingTalk, on stdin/stdout."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterable
from itertools import count
from typing import TextIO

from adapters.console.platform import CONSOLE, PLATFORM
from adapters.console.render import render_reply
from bot.dispatcher import Bot
from bot.messages import Incoming, Reply, SentMessage, Target

EXIT_WORDS = {"exit", "quit", "退出", ":q"}


class ConsoleChat:
    """Feeds lines to the core as one console user and prints the replies."""

    def __init__(self, bot: Bot, *, user: str, out: TextIO | None = None) -> None:
        self.bot = bot
        self.user = user
        self.out = out or sys.stdout
        self._ids = count(1)

    def say(self, text: str) -> list[Reply]:
        """Run one line as the console user and print the replies."""
        incoming = Incoming(
            platform=PLATFORM,
            workspace="",
            channel=f"console:{self.user}",
            user_id=self.user,
            user_name=self.user,
            text=text,
            is_direct=True,
        )
        replies = self.bot.handle(incoming)
        for reply in replies:
            print(render_reply(reply), file=self.out, flush=True)
        return replies

    def run_batch(self, lines: Iterable[str]) -> int:
        """Process every non-empty line (piped input), then return the exit status 0."""
        for line in lines:
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            print(f"> {line}", file=self.out, flush=True)
            self.say(line)
        return 0

    def run_interactive(self) -> int:
        """A prompt loop until EOF, Ctrl-C or `exit`."""
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history when available)
        print(f"crmbot terminal chat as {self.user}. Type `help` (or 帮助), `exit` to leave.", file=self.out)
        while True:
            try:
                line = input(f"{self.user}> ")
            except (EOFError, KeyboardInterrupt):
                print(file=self.out)
                return 0
            if line.strip().lower() in EXIT_WORDS:
                return 0
            if line.strip():
                self.say(line)


class ConsoleSender:
    """The `Sender` port for the terminal: pushes (reminders, digests) are printed with their target."""

    platform = PLATFORM
    capabilities = CONSOLE.capabilities

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._lock = threading.Lock()
        self._ids = count(1)

    def send(self, target: Target, reply: Reply) -> SentMessage:
        """Print a push addressed to a user or channel."""
        who = target.user or target.channel or "?"
        message_id = str(next(self._ids))
        with self._lock:
            print(f"\n🔔 [to {who}]\n{render_reply(reply)}", file=self.out, flush=True)
        return SentMessage(platform=PLATFORM, workspace=target.workspace, channel=target.channel or who,
                           message_id=message_id)

    def update(self, message: SentMessage, reply: Reply) -> None:
        """Print the new version of an earlier message."""
        with self._lock:
            print(f"\n✎ [update {message.channel}#{message.message_id}]\n{render_reply(reply)}", file=self.out, flush=True)
