"""`help [command]`: usage generated from the command specs, in the user's language."""

from __future__ import annotations

from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Reply


def make_help_spec(registry_getter) -> CommandSpec:
    """The help command; it reads the live registry so every registered command is listed."""

    def _help(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
        registry = registry_getter()
        word = cmd.get("command")
        if word:
            spec = registry.lookup(word.lstrip("/#"))
            if spec is None:
                raise UserError("unknown_command", word=word)
            return Reply(text=ctx.render("help", spec=spec, specs=[]))
        visible = [s for s in registry if ctx.user.role in s.roles]
        return Reply(text=ctx.render("help", spec=None, specs=visible))

    return CommandSpec(
        name="help",
        aliases=("帮助", "?", "菜单", "怎么用", "h"),
        summary={"en": "list commands, or explain one", "zh": "列出命令或查看某个命令的用法"},
        handler=_help,
        args=(Arg("command", ArgKind.WORD, required=False),),
        examples=("help", "help log", "帮助 跟进"),
        writes=False,
    )
