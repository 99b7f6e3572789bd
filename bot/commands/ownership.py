"""`assign` (分配, 转交) one customer to another rep; `handover` (交接) a whole book.

Who may: managers and admins assign any customer they can see; a rep only hands over their own.
`handover` is for admins, and for managers when both reps are members of teams they manage (or the
manager takes the book themselves).
"""

from __future__ import annotations

from bot.access import can_manage_user
from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.services.ownership import hand_over_book, reassign_customer
from bot.services.people import require_changeable
from storage.models import Customer, User
from storage.uow import lock_for_update

MANAGERS = frozenset({"manager", "admin"})


def _label(user: User) -> str:
    return user.display_name or user.name


def _require_active(user: User) -> None:
    if user.deactivated_at is not None:
        raise UserError("ownership:inactive_user", name=_label(user))


def _assign(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    lock_for_update(ctx.session, customer)  # a concurrent assign or handover of it goes first or after, whole
    new_owner: User = cmd.get("user")
    if ctx.user.role not in MANAGERS and customer.owner_id != ctx.user.id:
        raise UserError("ownership:not_your_customer", name=customer.name, id=customer.id)
    _require_active(new_owner)
    if new_owner.id == customer.owner_id:
        raise UserError("ownership:already_owner", name=customer.name, id=customer.id, owner=_label(new_owner))
    previous = ctx.session.get(User, customer.owner_id)
    before = {"owner_id": customer.owner_id, "team_id": customer.team_id}
    reminders = reassign_customer(ctx.session, customer, new_owner=new_owner, settings=ctx.settings, now=ctx.now,
                                  by=ctx.user)
    ctx.audit("assign", "customer", customer.id, before=before,
              after={"owner_id": customer.owner_id, "team_id": customer.team_id, "reminders_moved": reminders})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant, why="moved"))
    return Reply(text=ctx.t("ownership:assigned", customer=customer, previous=_label(previous) if previous else "?",
                            owner=_label(new_owner), reminders=reminders))


def _handover(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    from_user: User = cmd.get("from_user")
    to_user: User = cmd.get("to_user")
    if from_user.id == to_user.id:
        raise UserError("ownership:same_user", name=_label(from_user))
    for user in (from_user, to_user):
        if user.id != ctx.user.id and not can_manage_user(ctx.session, ctx.user, user):
            raise UserError("ownership:cannot_manage", name=_label(user))
    _require_active(to_user)
    counts, moved_ids = hand_over_book(ctx.session, from_user=from_user, to_user=to_user, settings=ctx.settings,
                                       now=ctx.now, audit_as=ctx.user, platform=ctx.incoming.platform)
    ctx.audit("handover", "user", from_user.id, before={"owner_id": from_user.id},
              after={"owner_id": to_user.id, "customers": counts.customers, "open_steps": counts.open_steps,
                     "reminders": counts.reminders})
    for customer_id in moved_ids:
        ctx.publish(CustomerChanged(customer_id=customer_id, tenant=ctx.tenant, why="moved"))
    return Reply(text=ctx.t("ownership:handed_over", source=_label(from_user), target=_label(to_user),
                            counts=counts))


SPECS = (
    CommandSpec(
        name="assign",
        aliases=("分配", "转交", "指派", "reassign"),
        summary={"en": "give a customer to another rep (reps: only their own customers)",
                 "zh": "把客户交给另一位销售（销售只能转交自己的客户）"},
        handler=_assign,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("user", ArgKind.USER)),
        examples=("assign Acme bob", "分配 #12 @U123", "转交 albb 李雷"),
    ),
    CommandSpec(
        name="handover",
        aliases=("交接", "移交"),
        summary={"en": "move a rep's whole book, with open reminders, to another rep",
                 "zh": "把一位销售的全部客户连同待办提醒移交给另一位销售"},
        handler=_handover,
        args=(Arg("from_user", ArgKind.USER), Arg("to_user", ArgKind.USER)),
        examples=("handover alice bob", "交接 张三 李四"),
        roles=MANAGERS,
    ),
)
