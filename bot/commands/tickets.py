"""Tickets (工单): `ticket` / `投诉` opens one, `tickets` lists, `note`, `close` / `解决`, `reopen`, and
`assign T<n> <user>` (a variant of `assign` for a ticket reference); `ticket T<n>` shows one.

A ticket goes to the customer's owner (kind complaint or request) with a deadline from ``[service] due_hours``
for its priority, counted in working hours of the assignee's zone when ``[service] working_hours`` is set.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from bot.access import is_manager_or_admin
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.services.deadlines import add_hours
from bot.services.people import require_changeable, when_at, zone_of
from bot.services.tickets import (
    REF_PATTERN,
    Found,
    add_event,
    default_due_hours,
    find_ticket,
    kind_of,
    priority_of,
    ticket_reach,
    timeline,
)
from bot.text.when import When, format_when
from storage.models import Customer, Ticket, User
from storage.uow import write_first

PAGE = 10
LIST_WORDS = {
    "mine": "mine", "my": "mine", "me": "mine", "我的": "mine", "我": "mine",
    "team": "team", "团队": "team", "全部": "team", "all": "team",
    "open": "open", "未解决": "open", "待处理": "open", "打开": "open",
    "overdue": "overdue", "逾期": "overdue", "超时": "overdue", "过期": "overdue",
    "closed": "closed", "已解决": "closed", "已关闭": "closed", "done": "closed",
}
_COMPLAINT_WORDS = frozenset({"投诉", "complaint", "客诉"})


def _label(user: User | None) -> str:
    return (user.display_name or user.name) if user else "?"


def _when(ctx: CommandContext, instant: datetime) -> str:
    return format_when(when_at(instant, ctx.tz), ctx.lang, today=ctx.today)


def _deadline(ctx: CommandContext, typed: When | None, priority: str, assignee: User) -> datetime:
    """The typed deadline (a date alone: the end of that working day, else 18:00), or the priority's default."""
    tz = zone_of(assignee, ctx.settings)
    if typed is None:
        return add_hours(ctx.now, default_due_hours(ctx.settings, priority), tz=tz, service=ctx.settings.service)
    if typed.has_time and typed.instant is not None:
        due = typed.instant
    else:
        window = ctx.settings.service.working_window()
        end_h, end_m = window[1] if window else (18, 0)
        local = datetime.combine(typed.local_date, time(min(end_h, 23), end_m if end_h < 24 else 59), tzinfo=tz)
        due = local.astimezone(ctx.now.tzinfo)
    if due <= ctx.now:
        raise UserError("past_date", when=format_when(typed, ctx.lang))
    return due


def _open(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    text = (cmd.get("text") or "").strip()
    if not text:
        raise UserError("missing_argument", name="text")
    kind = kind_of(cmd.options["kind"]) if cmd.options.get("kind") else (
        "complaint" if cmd.alias_used.lower() in _COMPLAINT_WORDS else "request")
    priority = priority_of(cmd.options["priority"]) if cmd.options.get("priority") else "normal"
    owner = ctx.session.get(User, customer.owner_id)
    assignee = owner if owner is not None and owner.deactivated_at is None else ctx.user
    due_at = _deadline(ctx, cmd.options.get("due"), priority, assignee)
    ticket = Ticket(tenant=ctx.tenant, customer_id=customer.id, kind=kind, priority=priority, text=text,
                    assignee_id=assignee.id, created_by=ctx.user.id, created_at=ctx.now, due_at=due_at,
                    updated_at=ctx.now)
    ctx.session.add(ticket)
    ctx.session.flush()
    add_event(ctx.session, ticket, ctx.user, "open", text, ctx.now)
    ctx.audit("create", "ticket", ticket.id, after={"customer_id": customer.id, "kind": kind, "priority": priority,
                                                      "assignee_id": assignee.id, "due_at": due_at, "text": text})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("tickets:opened", id=ticket.id, kind=kind, priority=priority, customer=customer,
                            assignee=_label(assignee), due=_when(ctx, due_at), mine=assignee.id == ctx.user.id))


def _show(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = find_ticket(ctx.session, ctx.user, cmd.get("ticket"))
    return Reply(text=_details(ctx, found))


def _details(ctx: CommandContext, found: Found) -> str:
    ticket = found.ticket
    events = [{"action": event.action, "text": event.text, "author": _label(author), "at": _when(ctx, event.at)}
              for event, author in timeline(ctx.session, ticket)]
    return ctx.t("tickets:details", id=ticket.id, kind=ticket.kind, priority=ticket.priority,
                 customer=found.customer, text=ticket.text, assignee=_label(found.assignee),
                 due=_when(ctx, ticket.due_at), overdue=ticket.closed_at is None and ticket.due_at < ctx.now,
                 closed=_when(ctx, ticket.closed_at) if ticket.closed_at else None, resolution=ticket.resolution,
                 events=events)


def _list(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    typed = (cmd.get("scope") or "").strip().lower()
    default = "team" if is_manager_or_admin(ctx.user) else "mine"
    which = LIST_WORDS.get(typed) if typed else default
    if which is None:
        raise UserError("bad_choice", name="scope", value=typed, choices="mine, team, open, overdue, closed")
    page = max(int(cmd.options.get("page") or 1), 1)
    statement = (select(Ticket, Customer.name, User.display_name, User.name.label("user_name"))
                 .join(Customer, Customer.id == Ticket.customer_id).join(User, User.id == Ticket.assignee_id)
                 .where(Ticket.tenant == ctx.tenant, ticket_reach(ctx.session, ctx.user)))
    if which == "closed":
        statement = statement.where(Ticket.closed_at.is_not(None)).order_by(Ticket.closed_at.desc(), Ticket.id.desc())
    else:
        statement = statement.where(Ticket.closed_at.is_(None)).order_by(Ticket.due_at, Ticket.id)
        if which == "mine":
            statement = statement.where(Ticket.assignee_id == ctx.user.id)
        elif which == "overdue":
            statement = statement.where(Ticket.due_at < ctx.now)
    rows = ctx.session.execute(statement.offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    more = len(rows) > PAGE
    lines: list[dict[str, Any]] = [
        {"id": ticket.id, "kind": ticket.kind, "priority": ticket.priority, "customer": name, "text": ticket.text,
         "assignee": display or user_name, "due": _when(ctx, ticket.due_at),
         "overdue": ticket.closed_at is None and ticket.due_at < ctx.now,
         "closed": _when(ctx, ticket.closed_at) if ticket.closed_at else None}
        for ticket, name, display, user_name in rows[:PAGE]
    ]
    return Reply(text=ctx.t("tickets:listing", which=which, rows=lines, page=page, more=more))


def _note(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = find_ticket(ctx.session, ctx.user, cmd.get("ticket"), lock=True)
    text = cmd.get("text").strip()
    write_first(ctx.session, found.ticket, {"updated_at": ctx.now})
    add_event(ctx.session, found.ticket, ctx.user, "note", text, ctx.now)
    ctx.audit("note", "ticket", found.ticket.id, after={"text": text})
    return Reply(text=ctx.t("tickets:noted", id=found.ticket.id, customer=found.customer))


def _close(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = find_ticket(ctx.session, ctx.user, cmd.get("ticket"), lock=True)
    ticket = found.ticket
    if ticket.closed_at is not None:
        raise UserError("tickets:already_closed", id=ticket.id, when=_when(ctx, ticket.closed_at),
                        resolution=ticket.resolution)
    resolution = cmd.get("resolution").strip()
    write_first(ctx.session, ticket, {"closed_at": ctx.now, "closed_by": ctx.user.id, "resolution": resolution,
                                      "updated_at": ctx.now})
    add_event(ctx.session, ticket, ctx.user, "close", resolution, ctx.now)
    ctx.audit("close", "ticket", ticket.id, after={"resolution": resolution})
    ctx.publish(CustomerChanged(customer_id=found.customer.id, tenant=ctx.tenant))
    took = _took(ctx, ticket.created_at)
    return Reply(text=ctx.t("tickets:closed", id=ticket.id, customer=found.customer, took=took,
                            late=ctx.now > ticket.due_at))


def _took(ctx: CommandContext, since: datetime) -> str:
    minutes = max(int((ctx.now - since).total_seconds() // 60), 0)
    return ctx.t("tickets:duration", days=minutes // 1440, hours=minutes % 1440 // 60, minutes=minutes % 60)


def _reopen(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = find_ticket(ctx.session, ctx.user, cmd.get("ticket"), lock=True)
    ticket = found.ticket
    if ticket.closed_at is None:
        raise UserError("tickets:not_closed", id=ticket.id)
    reason = (cmd.get("text") or "").strip() or None
    due_at = add_hours(ctx.now, default_due_hours(ctx.settings, ticket.priority),
                       tz=zone_of(found.assignee, ctx.settings), service=ctx.settings.service)
    write_first(ctx.session, ticket, {"closed_at": None, "closed_by": None, "resolution": None, "due_at": due_at,
                                      "reopened": ticket.reopened + 1, "updated_at": ctx.now})
    add_event(ctx.session, ticket, ctx.user, "reopen", reason, ctx.now)
    ctx.audit("reopen", "ticket", ticket.id, after={"due_at": due_at, "reason": reason})
    ctx.publish(CustomerChanged(customer_id=found.customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("tickets:reopened", id=ticket.id, customer=found.customer, due=_when(ctx, due_at),
                            assignee=_label(found.assignee)))


def _assign(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = find_ticket(ctx.session, ctx.user, cmd.get("ticket"), lock=True)
    ticket = found.ticket
    new: User = cmd.get("user")
    allowed = is_manager_or_admin(ctx.user) or ctx.user.id in (ticket.assignee_id, found.customer.owner_id)
    if not allowed:
        raise UserError("tickets:not_yours", id=ticket.id)
    if new.deactivated_at is not None:
        raise UserError("ownership:inactive_user", name=_label(new))
    if new.id == ticket.assignee_id:
        raise UserError("tickets:already_assigned", id=ticket.id, assignee=_label(new))
    write_first(ctx.session, ticket, {"assignee_id": new.id, "updated_at": ctx.now})
    add_event(ctx.session, ticket, ctx.user, "assign", _label(new), ctx.now)
    ctx.audit("assign", "ticket", ticket.id, before={"assignee_id": found.assignee.id}, after={"assignee_id": new.id})
    return Reply(text=ctx.t("tickets:assigned", id=ticket.id, customer=found.customer, previous=_label(found.assignee),
                            assignee=_label(new)))


_TICKET_ARG = Arg("ticket", ArgKind.WORD, max_length=20)
_TICKET_OPTIONS = (
    Option("priority", aliases=("优先级", "紧急程度", "prio"), choices=("high", "normal", "low")),
    Option("due", kind=ArgKind.WHEN, aliases=("期限", "截止", "截止时间", "deadline")),
    Option("kind", aliases=("类型", "类别"), choices=("complaint", "request")),
)

SPECS = (
    CommandSpec(
        name="ticket",
        aliases=("工单", "投诉", "complaint", "新工单"),
        summary={"en": "open a ticket (complaint or request) for the customer's owner, with a deadline",
                 "zh": "为客户开一张工单（投诉或请求），交给负责人并设定处理期限"},
        handler=_open,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("text", ArgKind.TEXT, max_length=2000, verbatim=True)),
        options=_TICKET_OPTIONS,
        examples=("ticket Acme pump leaking again priority:high", "投诉 albb 货物破损 优先级:高",
                  "工单 albb 需要发票 期限:明天"),
    ),
    CommandSpec(
        name="tickets",
        aliases=("工单列表", "投诉列表", "我的工单"),
        summary={"en": "list tickets: mine, team, open, overdue or closed", "zh": "列出工单：我的、团队、未解决、逾期或已解决"},
        handler=_list,
        args=(Arg("scope", ArgKind.WORD, required=False, max_length=20),),
        options=(Option("page", ArgKind.INT, aliases=("页", "第")),),
        examples=("tickets", "tickets overdue", "工单列表 逾期"),
        writes=False,
    ),
    CommandSpec(
        name="note",
        aliases=("工单备注", "备注工单"),
        summary={"en": "add a note to a ticket's timeline", "zh": "给工单添加备注"},
        handler=_note,
        args=(_TICKET_ARG, Arg("text", ArgKind.TEXT, max_length=2000, verbatim=True)),
        examples=("note T3 called back, replacement shipped", "工单备注 T3 已回电，补发中"),
    ),
    CommandSpec(
        name="close",
        aliases=("解决", "关闭工单", "结案", "resolve"),
        summary={"en": "close a ticket with its resolution", "zh": "写明解决方案并关闭工单"},
        handler=_close,
        args=(_TICKET_ARG, Arg("resolution", ArgKind.TEXT, max_length=1000, verbatim=True)),
        examples=("close T3 replaced the pump", "解决 T3 已换货"),
    ),
    CommandSpec(
        name="reopen",
        aliases=("重开", "重新打开", "重开工单"),
        summary={"en": "reopen a closed ticket (a new deadline from its priority)", "zh": "重新打开已解决的工单（按优先级重新计时）"},
        handler=_reopen,
        args=(_TICKET_ARG, Arg("text", ArgKind.TEXT, required=False, max_length=2000, verbatim=True)),
        examples=("reopen T3 still leaking", "重开 T3 问题又出现了"),
    ),
    # Variants of `assign` and `ticket` for a ticket reference: `assign T3 bob`, `ticket T3`.
    CommandSpec(
        name="assign",
        aliases=(),
        summary={"en": "give a ticket to another person", "zh": "把工单交给另一个人"},
        handler=_assign,
        args=(_TICKET_ARG, Arg("user", ArgKind.USER)),
        examples=("assign T3 bob", "分配 T3 李雷"),
        ref_pattern=REF_PATTERN,
    ),
    CommandSpec(
        name="ticket",
        aliases=(),
        summary={"en": "show a ticket and its timeline", "zh": "查看工单及其处理记录"},
        handler=_show,
        args=(_TICKET_ARG,),
        examples=("ticket T3", "工单 T3"),
        writes=False,
        ref_pattern=REF_PATTERN,
    ),
)

