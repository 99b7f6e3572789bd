"""Scenario helpers: users typing commands into the core and reading plain-text replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from adapters.console.render import render_reply
from bot.dispatcher import Bot
from bot.messages import Incoming, Reply

_ids = count(1)


@dataclass
class ChatUser:
    """One person in a scenario; `say` returns the replies as the terminal would print them."""

    bot: Bot
    name: str
    platform: str = "console"
    workspace: str = ""
    last: list[Reply] = field(default_factory=list)

    def say(self, text: str, *, message_id: str | None = None, channel: str | None = None,
            thread: str | None = None, direct: bool = True) -> str:
        incoming = Incoming(
            platform=self.platform,
            workspace=self.workspace,
            channel=channel or f"{self.platform}:{self.name}",
            user_id=self.name,
            user_name=self.name,
            text=text,
            message_id=message_id,
            thread=thread,
            is_direct=direct,
        )
        self.last = self.bot.handle(incoming)
        return "\n".join(render_reply(r) for r in self.last)


@dataclass
class Chat:
    """A room of users sharing one bot."""

    bot: Bot

    def user(self, name: str, **kwargs) -> ChatUser:
        return ChatUser(self.bot, name, **kwargs)
