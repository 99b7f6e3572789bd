"""The groups the robot has seen: group pushes need a group's `openConversationId`, which DingTalk only
tells us in a group callback's `conversationId`. The core records each group in the command's own unit of
work (`Incoming.remember_group`); this is the adapter's view of that directory."""

from __future__ import annotations

from adapters.dingtalk.platform import PLATFORM
from bot import conversation
from bot.conversation import ChatGroup
from bot.dispatcher import Bot


class GroupDirectory:
    """The DingTalk groups the core has recorded."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def groups(self, workspace: str) -> list[ChatGroup]:
        """Every group of `workspace` the robot has seen, most recently active first."""
        return conversation.groups(self.bot, PLATFORM, workspace)
