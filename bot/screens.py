"""Long answers page instead of being cut: `more <n> <command>` shows screen n of a read-only answer.

A platform shows at most `max_pages` messages of one answer (`bot.delivery.fit` cuts past them). An answer
of a read-only command (`help`, `today`, a digest-like list) longer than that is split here, in the core,
into *screens* that each fit the platform's pages; the first is shown, ending with where it is
(``(1/3)``) and a *More* / 更多 button. The button (or typing ``more 2 help``) runs the same command again
and shows its next screen: nothing is stored, so any replica answers it, and what is shown is current.
Commands that write are never re-run; their answers are short.
"""

from __future__ import annotations

from dataclasses import replace

from bot.actions import button, command_text, ref
from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.messages import Card, Reply
from bot.platforms import capabilities_of
from bot.render import Markdown, t
from bot.text.paging import pack_lines

# A screen is a share of what the platform's pages hold, in characters of core markdown. Where pages are
# measured in bytes of the platform's own encoding (DingTalk's msgParam), a Chinese character takes three
# and its markup some more: a quarter. Where they are measured in characters, a tenth is left for markup.
SCREEN_SHARE = 4
CHARACTER_SHARE = 0.9


def screen_size(platform: str) -> int:
    """How much text one screen of an answer may hold on `platform`."""
    capabilities = capabilities_of(platform)
    pages = capabilities.message_size * capabilities.max_pages
    if capabilities.max_message_size is not None:  # measured by the platform, in bytes
        return max(500, pages // SCREEN_SHARE)
    return max(500, int(pages * CHARACTER_SHARE))


def paged(ctx: CommandContext, replies: list[Reply], *, command: str, screen: int = 1) -> list[Reply]:
    """`replies` with an over-long text answer cut to its `screen`-th screen and a *More* button."""
    size = screen_size(ctx.incoming.platform)
    out = []
    for reply in replies:
        if reply.card is not None or len(reply.text) <= size and screen == 1:
            out.append(reply)
            continue
        screens = ["\n".join(lines) for lines in pack_lines(reply.text.split("\n"), size) if lines]
        total = len(screens)
        shown = screens[min(screen, total) - 1]
        if total == 1:
            out.append(replace(reply, text=Markdown(shown)))
            continue
        position = min(screen, total)
        if position < total:
            later = command_text(ref("more", screen=position + 1, command=command), ctx.lang)
            footer = t("screen_more", ctx.lang, screen=position, screens=total, command=later)
            more = button(ctx.lang, "more", screen=position + 1, command=command)
            out.append(replace(reply, text=Markdown(f"{shown}\n{footer}"), card=Card(title="", actions=(more,))))
        else:
            out.append(replace(reply, text=Markdown(f"{shown}\n{t('screen_last', ctx.lang, screen=position, screens=total)}")))
    return out


def _more(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    raise AssertionError("`more` is run by the dispatcher, which re-runs the command it names")  # pragma: no cover


MORE = CommandSpec(
    name="more",
    aliases=("更多", "下一屏"),
    summary={"en": "the next screen of a long answer: `more 2 help` (the More button types it for you)",
             "zh": "长回答的下一屏：`更多 2 帮助`（点「更多」按钮即可）"},
    handler=_more,
    args=(Arg("screen", ArgKind.INT), Arg("command", ArgKind.TEXT, max_length=200)),
    examples=("more 2 help", "更多 2 帮助"),
    writes=False,
)
SPECS = (MORE,)
