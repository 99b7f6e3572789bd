"""`points` (积分) shows a customer's balance, member level and latest entries; `redeem` (兑换) spends points."""

from __future__ import annotations

from bot.access import can_see
from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.services.loyalty import MAX_POINTS, NotEnoughPoints, balance_of, level_for, recent_entries, redeem
from bot.services.people import require_changeable
from storage.models import Customer


def _points(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    if not can_see(ctx.session, ctx.user, customer):
        raise UserError("customer_not_found", ref=f"#{customer.id}")
    balance = balance_of(ctx.session, customer.id)
    entries = [
        {"day": entry.created_at.astimezone(ctx.tz).strftime("%Y-%m-%d"), "kind": entry.kind, "delta": entry.delta,
         "balance": entry.balance_after, "reason": entry.reason if entry.kind != "reverse" else None,
         "order": entry.order_id}
        for entry in recent_entries(ctx.session, customer.id)
    ]
    return Reply(text=ctx.t("loyalty:balance", customer=customer, balance=balance,
                            level=level_for(balance, ctx.settings, ctx.lang), entries=entries,
                            enabled=ctx.settings.loyalty.enabled))


def _redeem(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    points: int = cmd.get("points")
    if not 0 < points <= MAX_POINTS:
        raise UserError("loyalty:bad_points", value=points)
    reason = (cmd.get("reason") or "").strip()
    if not reason:
        raise UserError("missing_argument", name="reason")
    try:
        entry = redeem(ctx.session, customer=customer, points=points, reason=reason, user_id=ctx.user.id, now=ctx.now)
    except NotEnoughPoints as short:
        raise UserError("loyalty:not_enough", customer=customer, balance=short.balance, points=points) from None
    ctx.audit("create", "points", entry.id, after={"customer_id": customer.id, "delta": -points, "reason": reason,
                                                    "balance": entry.balance_after})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("loyalty:redeemed", customer=customer, points=points, reason=reason,
                            balance=entry.balance_after,
                            level=level_for(entry.balance_after, ctx.settings, ctx.lang)))


SPECS = (
    CommandSpec(
        name="points",
        aliases=("积分", "会员", "会员积分", "loyalty"),
        summary={"en": "a customer's loyalty points, member level and latest entries",
                 "zh": "查看客户积分、会员等级和最近的积分记录"},
        handler=_points,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        writes=False,
        examples=("points Acme", "积分 阿里巴巴"),
    ),
    CommandSpec(
        name="redeem",
        aliases=("兑换", "积分兑换", "用积分"),
        summary={"en": "spend a customer's points (a reason is required)", "zh": "兑换客户积分（须写原因）"},
        handler=_redeem,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("points", ArgKind.INT),
              Arg("reason", ArgKind.TEXT, max_length=500, verbatim=True)),
        examples=("redeem Acme 500 gift card", "兑换 阿里巴巴 200 年会礼品"),
    ),
)
