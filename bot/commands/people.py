"""People: `deactivate` (停用) and `activate` (启用) a person (admins), and `history` (历史) of the audit log.

A deactivated person can run nothing and click nothing, and gets no pushes; their open steps and reminders
notify their team's manager until someone runs `handover`. `history <customer>` shows a customer's audit
entries to whoever may see the customer; `history user <name>` a person's, to managers (their teams) and
admins.
"""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import func
from sqlmodel import select

from bot.access import can_manage_user
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Reply
from bot.render import Markdown
from bot.services.customers import resolve_customer
from bot.services.history import HistoryPage, customer_history, user_history
from bot.text.words import Word
from bot.users import find_user
from storage.models import Customer, FollowUp, ManagerTeam, Reminder, User

ADMINS = frozenset({"admin"})
MANAGERS = frozenset({"manager", "admin"})
USER_WORDS = frozenset({"user", "person", "rep", "用户", "成员", "人员", "销售"})


def _label(user: User) -> str:
    return user.display_name or user.name


def stand_ins(session, user: User) -> list[User]:
    """The active managers of `user`'s team, who get their notifications while they are deactivated."""
    if user.team_id is None:
        return []
    return list(session.exec(
        select(User).join(ManagerTeam, ManagerTeam.manager_id == User.id)
        .where(ManagerTeam.team_id == user.team_id, User.deactivated_at.is_(None), User.id != user.id)
        .order_by(User.id)
    ).all())


def _deactivate(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    person: User = cmd.get("user")
    if person.id == ctx.user.id:
        raise UserError("people:not_yourself")
    if person.deactivated_at is not None:
        raise UserError("people:already_inactive", name=_label(person))
    person.deactivated_at = ctx.now
    ctx.session.add(person)
    session = ctx.session
    customers = session.exec(select(func.count()).select_from(Customer).where(
        Customer.owner_id == person.id, Customer.deleted_at.is_(None))).one()
    steps = session.exec(select(func.count()).select_from(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
                         .where(Customer.owner_id == person.id, Customer.deleted_at.is_(None),
                                FollowUp.next_due_at.is_not(None), FollowUp.done_at.is_(None),
                                FollowUp.deleted_at.is_(None))).one()
    reminders = session.exec(select(func.count()).select_from(Reminder).where(
        Reminder.assignee_id == person.id, Reminder.done_at.is_(None), Reminder.deleted_at.is_(None))).one()
    managers = stand_ins(session, person)
    ctx.audit("deactivate", "user", person.id, before={"active": True},
              after={"active": False, "notified_instead": [_label(m) for m in managers]})
    return Reply(text=ctx.t("people:deactivated", name=_label(person), customers=customers, steps=steps,
                            reminders=reminders, managers=", ".join(_label(m) for m in managers)))


def _activate(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    person = _one_person(ctx, cmd.get("user"))
    if person.deactivated_at is None:
        raise UserError("people:already_active", name=_label(person))
    person.deactivated_at = None
    ctx.session.add(person)
    ctx.audit("activate", "user", person.id, before={"active": False}, after={"active": True})
    return Reply(text=ctx.t("people:activated", name=_label(person)))


def _one_person(ctx: CommandContext, ref: str) -> User:
    """A person by name or @id, deactivated people included (they are who `activate` and `history` are for)."""
    matches = find_user(ctx.session, tenant=ctx.tenant, reference=ref, platform=ctx.incoming.platform,
                        include_inactive=True)
    if not matches:
        raise UserError("user_not_found", ref=ref)
    if len(matches) > 1:
        raise UserError("user_ambiguous", ref=ref, candidates=", ".join(u.name for u in matches[:8]))
    return matches[0]


def _history(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    what: str = cmd.get("what").strip()
    page = cmd.get("page") or 1
    if page < 1:
        raise UserError("bad_number", name="page", value=page)
    first, _, rest = what.partition(" ")
    if first.lower() in USER_WORDS and rest.strip():
        if ctx.user.role not in MANAGERS:
            raise UserError("not_allowed", command=f"{cmd.alias_used} {first}", role=ctx.user.role,
                            roles=",".join(sorted(MANAGERS)))
        person = _one_person(ctx, rest.strip())
        if person.id != ctx.user.id and not can_manage_user(ctx.session, ctx.user, person):
            raise UserError("ownership:cannot_manage", name=_label(person))
        result = user_history(ctx.session, ctx.user, person, page=page, tz=ctx.tz)
        return _render(ctx, result, subject=_label(person), again=f"history user {rest.strip()}")
    customer, _ = resolve_customer(ctx.session, user=ctx.user, words=[Word(what, False)])
    result = customer_history(ctx.session, customer, page=page, tz=ctx.tz)
    return _render(ctx, result, subject=f"{customer.name} (#{customer.id})", again=f"history #{customer.id}")


def _render(ctx: CommandContext, result: HistoryPage, *, subject: str, again: str) -> Reply:
    if not result.entries:
        return Reply(text=ctx.t("people:history_empty", subject=subject))
    lines = [ctx.t("people:history_heading", subject=subject, total=result.total, page=result.page,
                   pages=result.pages)]
    for entry in result.entries:
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)  # stored in UTC
        when = at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(ctx.t("people:history_line", entry=entry, when=when))
    if result.page < result.pages:
        lines.append(ctx.t("people:history_more", command=f"{again} page:{result.page + 1}"))
    return Reply(text=Markdown("\n".join(lines)))


SPECS = (
    CommandSpec(
        name="deactivate",
        aliases=("停用", "禁用"),
        summary={"en": "stop a person from using crmbot; their reminders go to their manager until a handover",
                 "zh": "停用某人的账号；交接之前，其提醒改发给主管"},
        handler=_deactivate,
        args=(Arg("user", ArgKind.USER),),
        examples=("deactivate bob", "停用 张三"),
        roles=ADMINS,
    ),
    CommandSpec(
        name="activate",
        aliases=("启用", "reactivate"),
        summary={"en": "let a deactivated person use crmbot again", "zh": "重新启用已停用的账号"},
        handler=_activate,
        args=(Arg("user", ArgKind.WORD, max_length=200),),
        examples=("activate bob", "启用 张三"),
        roles=ADMINS,
    ),
    CommandSpec(
        name="history",
        aliases=("历史", "记录历史", "audit"),
        summary={"en": "who changed what and when: `history <customer>`, `history user <name>` (managers)",
                 "zh": "谁在何时改了什么：`历史 <客户>`，`历史 用户 <姓名>`（主管）"},
        handler=_history,
        args=(Arg("what", ArgKind.TEXT, max_length=200),),
        options=(Option("page", ArgKind.INT, aliases=("页", "第")),),
        examples=("history Acme", "history #12 page:2", "history user bob", "历史 阿里巴巴", "历史 用户 张三"),
        writes=False,
    ),
)
