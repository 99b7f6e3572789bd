"""`deadletters` (死信): list notifications that could not be delivered, and queue them again (admins)."""

from __future__ import annotations

from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Reply
from bot.notifications.catalog import kind_title, subject_title
from bot.notifications.dead_letters import list_dead_letters, retry_dead_letters, why_dead
from bot.render import Markdown

RETRY_WORDS = frozenset({"retry", "重试", "重发"})
ALL_WORDS = frozenset({"all", "全部", "所有"})


def _deadletters(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    action = cmd.get("action") or "list"
    which = (cmd.get("which") or "").strip().lstrip("#")
    if action in RETRY_WORDS:
        return _retry(ctx, which)
    if which:
        raise UserError("unexpected_words", words=which)
    letters, total = list_dead_letters(ctx.session, tenant=ctx.tenant, include_skipped=action in ALL_WORDS)
    if not letters:
        return Reply(text=ctx.t("notifications_deadletters:empty"))
    lines = [ctx.t("notifications_deadletters:heading", total=total, shown=len(letters))]
    lines += [ctx.t("notifications_deadletters:line", letter=letter, kind_title=kind_title(letter.kind, ctx.lang),
                    subject_title=subject_title(letter.kind, ctx.lang), why=why_dead(letter.reason)[0],
                    detail=why_dead(letter.reason)[1])
              for letter in letters]
    lines.append(ctx.t("notifications_deadletters:hint"))
    return Reply(text=Markdown("\n".join(lines)))


def _retry(ctx: CommandContext, which: str) -> Reply:
    if not which:
        raise UserError("missing_argument", name="id")
    if which.lower() in ALL_WORDS:
        ids = None
    elif which.isdigit():
        ids = [int(which)]
    else:
        raise UserError("bad_number", name="id", value=which)
    count = retry_dead_letters(ctx.session, tenant=ctx.tenant, now=ctx.now, ids=ids)
    ctx.audit("retry", "notification", ids[0] if ids else None, after={"requeued": count})
    if count == 0:
        return Reply(text=ctx.t("notifications_deadletters:nothing_to_retry", which=which), ok=False)
    return Reply(text=ctx.t("notifications_deadletters:requeued", count=count))


SPECS = (
    CommandSpec(
        name="deadletters",
        aliases=("死信", "dead"),
        summary={"en": "notifications that could not be delivered; `retry <id|all>` queues them again",
                 "zh": "未能送达的通知；`重试 <编号|全部>` 重新发送"},
        handler=_deadletters,
        args=(
            Arg("action", ArgKind.CHOICE, required=False,
                choices=("list", "all", "retry", "全部", "所有", "重试", "重发")),
            Arg("which", ArgKind.WORD, required=False, max_length=20),
        ),
        examples=("deadletters", "deadletters all", "deadletters retry 12", "死信 重试 全部"),
        roles=frozenset({"admin"}),
    ),
)
