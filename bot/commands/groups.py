"""`group id` / `群信息`: a group (or channel) asks for its own id, the one the config names it by.

DingTalk groups have no visible id, yet a team's channel in the config (`[[teams]] channel = …`) must name
one; asking the robot in the group is the only way to learn it.
"""

from __future__ import annotations

from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.messages import Reply


def _group(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    incoming = ctx.incoming
    if incoming.is_direct:
        return Reply(text=ctx.t("group_id_in_dm"), ok=False)
    where = f"{incoming.platform}:{incoming.workspace}:{incoming.channel}"
    return Reply(text=ctx.t("group_id", channel=incoming.channel, target=where), private=False)


SPECS = (
    CommandSpec(
        name="group",
        aliases=("群信息", "群id", "群号"),
        summary={"en": "in a group or channel: its id, as the config names it (`[[teams]] channel`)",
                 "zh": "在群里使用：本群的 ID，即配置里 `[[teams]] channel` 要写的值"},
        handler=_group,
        args=(Arg("what", ArgKind.CHOICE, required=False, choices=("id", "info", "信息")),),
        examples=("group id", "群信息"),
        writes=False,
    ),
)
