"""`log`: record a follow-up, optionally with the next step and when it is due; `followups`: read them in full."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import col, select

from bot import prompts
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged, FollowUpLogged
from bot.messages import Reply
from bot.render import Markdown, escape_md
from bot.services.people import when_at
from bot.services.steps import OpenStep, open_step_columns, open_step_from
from bot.text.when import When, format_when
from storage.models import Customer, FollowUp, User
from storage.uow import write_first

KIND_WORDS = {
    "call": "call", "called": "call", "phone": "call", "电话": "call", "通话": "call", "打电话": "call",
    "visit": "visit", "visited": "visit", "拜访": "visit", "上门": "visit",
    "message": "message", "msg": "message", "wechat": "message", "消息": "message", "微信": "message",
    "email": "email", "emailed": "email", "邮件": "email",
    "meeting": "meeting", "met": "meeting", "会议": "meeting", "开会": "meeting", "见面": "meeting",
    "note": "note", "备注": "note",
}


# Longest first so "打电话" wins over "电话".
_CJK_KIND_WORDS = sorted(((w, k) for w, k in KIND_WORDS.items() if not w.isascii()), key=lambda wk: -len(wk[0]))


def due_instant(when: When, *, owner_tz: ZoneInfo, morning_hour: int) -> tuple[datetime, bool]:
    """The UTC instant a next step is due: its time, or the owner's morning hour for a date-only step."""
    if when.has_time and when.instant is not None:
        return when.instant, True
    local = datetime.combine(when.local_date, time(hour=morning_hour), tzinfo=owner_tz)
    return local.astimezone(ZoneInfo("UTC")), False


def _kind(ctx: CommandContext, cmd: ParsedCommand, text: str) -> tuple[str, str]:
    explicit = cmd.options.get("kind")
    if explicit:
        kind = KIND_WORDS.get(explicit.lower())
        if kind is None:
            raise UserError("bad_choice", name="kind", value=explicit, choices=", ".join(sorted(set(KIND_WORDS.values()))))
        return kind, text
    first = text.partition(" ")[0].lower().rstrip(":")
    kind = KIND_WORDS.get(first)
    if kind is None:
        # Chinese has no spaces: "电话沟通了续约" starts with the kind word.
        kind = next((k for word, k in _CJK_KIND_WORDS if first.startswith(word)), None)
    return (kind, text) if kind else ("note", text)


def log_followup(ctx: CommandContext, customer: Customer, text: str, *, kind: str = "note",
                 next_step: tuple[When, str] | None = None) -> tuple[FollowUp, str | None, OpenStep | None]:
    """Record a follow-up as the asking user; with `next_step`, it replaces the open step.

    Without a next step the customer's open step (if any) stays open: logging contact is not doing it.

    Returns the follow-up, the formatted due time of its next step (None without one) and the customer's open
    step as it was before (the one replaced, or the one still open), read by the statement that locks the
    customer. Shared by `log`, Slack thread replies and the platforms' log-follow-up forms.
    """
    if not text.strip():
        raise UserError("missing_argument", name="text")
    owner = ctx.session.get(User, customer.owner_id)
    owner_tz = ZoneInfo((owner.timezone if owner else None) or ctx.settings.defaults.timezone)
    morning = owner.morning_hour if owner and owner.morning_hour is not None else ctx.settings.defaults.morning_hour
    followup = FollowUp(
        customer_id=customer.id,
        author_id=ctx.user.id,
        kind=kind,
        text=text.strip(),
        happened_at=ctx.now,
        source_platform=ctx.incoming.platform,
        source_channel=ctx.incoming.channel,
        source_thread=ctx.incoming.thread,
        source_message_id=ctx.incoming.message_id,
        source_url=(ctx.incoming.source_url or "")[:500] or None,
        created_at=ctx.now,
    )
    due_text = None
    if next_step is not None:
        when, step = next_step
        at, has_time = due_instant(when, owner_tz=owner_tz, morning_hour=morning)
        if (has_time and at <= ctx.now) or when.local_date < ctx.today:
            raise UserError("past_date", when=format_when(when, ctx.lang))
        followup.next_step = step or None
        followup.next_due_at = at
        followup.next_due_date = when.local_date
        followup.next_due_has_time = has_time
        due_text = format_when(when, ctx.lang)
    # The customer's row is written first: concurrent writers of this customer queue on its lock from here, so
    # closing the open step and opening the next is atomic (and the one-open-step index never sees two).
    values: dict[str, object] = {"last_contact_at": ctx.now, "updated_at": ctx.now}
    if next_step is not None:
        values.update(next_followup_at=followup.next_due_at, next_step=followup.next_step)
    before = open_step_from(write_first(ctx.session, customer, values, returning=open_step_columns()))
    if next_step is not None and before is not None:
        # A new next step replaces the open one, whoever set it: the user said so explicitly. Without
        # `next:` the open step stays open (only `done` closes it), so a teammate's note never wipes it.
        ctx.session.exec(
            update(FollowUp)
            .where(FollowUp.customer_id == customer.id, FollowUp.done_at.is_(None),
                   FollowUp.next_due_at.is_not(None), FollowUp.deleted_at.is_(None))
            .values(done_at=ctx.now)
        )
    ctx.session.add(followup)
    ctx.session.flush()
    ctx.audit("create", "followup", followup.id, after={"customer_id": customer.id, "kind": kind, "text": followup.text,
                                                          "next_due_at": followup.next_due_at, "next_step": followup.next_step})
    ctx.publish(FollowUpLogged(customer_id=customer.id, followup_id=followup.id, tenant=ctx.tenant,
                               author_id=ctx.user.id, text=followup.text, source_platform=ctx.incoming.platform,
                               source_channel=ctx.incoming.channel, source_thread=ctx.incoming.thread))
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return followup, due_text, before


def _log(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    if not cmd.get("text"):
        if cmd.options:
            raise UserError("missing_argument", name="text")
        # Only the customer (what the 记录跟进 quick link sends): ask, and take the next message as the note.
        prompts.ask(ctx.session, ctx.user, ctx.incoming, command="log", customer_id=customer.id, now=ctx.now)
        return Reply(text=ctx.t("log_ask_text", customer=customer,
                                minutes=int(prompts.PROMPT_TTL.total_seconds() // 60)))
    kind, text = _kind(ctx, cmd, cmd.get("text", ""))
    followup, due_text, before = log_followup(ctx, customer, text, kind=kind, next_step=cmd.options.get("next"))
    lines = [ctx.t("logged", customer=customer, kind=kind)]
    if due_text:
        lines.append(ctx.t("next_set", when=due_text, step=followup.next_step))
        if before is not None:
            lines.append(ctx.t("next_replaced", step=before.next_step, by=_author_if_other(ctx, before)))
    else:
        still_open = before  # logging without `next:` leaves it open
        if still_open is not None:
            shown = when_at(still_open.next_due_at, ctx.tz, has_time=still_open.has_time)
            lines.append(ctx.t("next_still_open", customer=customer, step=still_open.next_step,
                               when=format_when(shown, ctx.lang, today=ctx.today),
                               overdue=still_open.next_due_at < ctx.now))
    return Reply(text="\n".join(lines))


def _author_if_other(ctx: CommandContext, step: OpenStep) -> str | None:
    """Who set `step`, when that was someone else than the asker (None for the asker's own step)."""
    if step.author_id == ctx.user.id:
        return None
    author = ctx.session.get(User, step.author_id)
    return (author.display_name or author.name) if author else None


FOLLOWUPS_PER_PAGE = 5


def _followups(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    """A customer's follow-ups in full, newest first, a page at a time (the card shows them shortened)."""
    customer: Customer = cmd.get("customer")
    page = cmd.get("page") or 1
    if page < 1:
        raise UserError("bad_number", name="page", value=page)
    subject = f"{customer.name} (#{customer.id})"  # templates escape their values
    rows, total = _page(ctx, customer.id, page)
    if not rows and total:  # past the last page: show the last one
        page = -(-total // FOLLOWUPS_PER_PAGE)
        rows, total = _page(ctx, customer.id, page)
    if not total:
        return Reply(text=ctx.t("followups:empty", subject=subject))
    pages = -(-total // FOLLOWUPS_PER_PAGE)
    lines = [ctx.t("followups:heading", subject=subject, total=total, page=page, pages=pages)]
    for kind, text, happened_at, display, name, source_url, _total in rows:
        when = happened_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(ctx.t("followups:entry", when=when, kind=kind,
                           author=display or name))
        lines += [f"> {escape_md(line)}" if line else ">" for line in text.split("\n")]
        if source_url:
            lines.append(ctx.t("followups:source", url=source_url))
    if page < pages:
        key = "页" if ctx.lang == "zh" else "page"
        lines.append(ctx.t("followups:more", command=f"{cmd.alias_used} #{customer.id} {key}:{page + 1}"))
    return Reply(text=Markdown("\n".join(lines)))


def _page(ctx: CommandContext, customer_id: int | None, page: int) -> tuple[list[Any], int]:
    """One page of the customer's live follow-ups, newest first, and how many there are in all (one statement:
    the total rides on every row; a page past the end comes back empty and is counted apart)."""
    live = (col(FollowUp.customer_id) == customer_id, col(FollowUp.deleted_at).is_(None))
    rows = list(ctx.session.exec(
        select(FollowUp.kind, FollowUp.text, FollowUp.happened_at, User.display_name, User.name, FollowUp.source_url,
               func.count().over().label("total"))
        .join(User, col(User.id) == FollowUp.author_id)
        .where(*live)
        .order_by(col(FollowUp.happened_at).desc(), col(FollowUp.id).desc())
        .offset((page - 1) * FOLLOWUPS_PER_PAGE)
        .limit(FOLLOWUPS_PER_PAGE)
    ).all())
    if rows:
        return rows, int(rows[0].total)
    if page == 1:
        return [], 0
    return [], int(ctx.session.exec(select(func.count()).select_from(FollowUp).where(*live)).one())


SPECS = (
    CommandSpec(
        name="followups",
        aliases=("跟进记录", "全部跟进", "notes"),
        summary={"en": "a customer's follow-ups in full, newest first (the card shows the latest, shortened)",
                 "zh": "客户的全部跟进记录（完整内容，最新在前；资料卡只显示最近几条的开头）"},
        handler=_followups,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        options=(Option("page", ArgKind.INT, aliases=("页", "第")),),
        examples=("followups Acme", "followups #12 page:2", "跟进记录 阿里巴巴"),
        writes=False,
    ),
    CommandSpec(
        name="log",
        aliases=("跟进", "记录", "followup"),
        summary={"en": "record a follow-up (without text: I ask for it); next: sets the next step and its reminder",
                 "zh": "记录跟进（不写内容时我会追问）；用 下次: 设置下一步和提醒"},
        handler=_log,
        # Without a text the bot asks for it and takes the person's next message (`bot.prompts`).
        args=(Arg("customer", ArgKind.CUSTOMER),
              Arg("text", ArgKind.TEXT, required=False, max_length=4000, verbatim=True)),
        options=(
            Option("kind", aliases=("方式", "类型"), max_length=20),
            Option("next", kind=ArgKind.NEXT_STEP, aliases=("下次", "下一步", "next_step")),
        ),
        examples=(
            "log Acme called about the renewal next:friday 10:00 send quote",
            "跟进 albb 电话沟通了续约 下次:下周一 发报价",
        ),
    ),
)
