"""`orders <customer>` (订单列表): every order of a customer, newest first, a page at a time, with its state."""

from __future__ import annotations

from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Reply
from bot.purchase_card import order_view
from bot.render import Markdown
from bot.services.purchase_history import order_page
from storage.models import Customer

PER_PAGE = 10  # ten lines of at most ~200 characters: one message on every platform


def _orders(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    page = cmd.get("page") or 1
    if page < 1:
        raise UserError("bad_number", name="page", value=page)
    found = order_page(ctx.session, customer.id, page=page, per_page=PER_PAGE)
    if found.total == 0:
        return Reply(text=ctx.t("purchases:no_orders", customer=customer.name, customer_id=customer.id), ok=False)
    if not found.orders:
        raise UserError("purchases:past_last_page", page=page, pages=found.pages)
    lines = [ctx.t("purchases:orders_heading", customer=customer.name, customer_id=customer.id, total=found.total,
                   page=page, pages=found.pages)]
    lines += [ctx.t("purchases:order_line", **order_view(ctx, order)) for order in found.orders]
    if page < found.pages:
        lines.append(ctx.t("purchases:orders_more", command=f"{cmd.alias_used} #{customer.id} page:{page + 1}"))
    return Reply(text=Markdown("\n".join(lines)))


SPECS = (
    CommandSpec(
        name="orders",
        aliases=("订单列表", "全部订单", "购买记录", "order-list"),
        summary={"en": "every order of a customer, newest first, with its state (paid, open, overdue)",
                 "zh": "客户的全部订单（从新到旧），含回款状态"},
        handler=_orders,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        options=(Option("page", ArgKind.INT, aliases=("页", "第")),),
        examples=("orders Acme", "orders #12 page:2", "订单列表 阿里巴巴"),
        writes=False,
    ),
)
