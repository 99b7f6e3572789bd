"""`order` records a purchase (交易) with an optional payment due date; `paid` marks it paid (回款) and credits
its loyalty points; `unpaid` undoes a payment marked by mistake and takes the points back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from sqlmodel import select

from bot.access import visible_customers
from bot.commands.fields import FORCE_OPTION
from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.render import Markdown
from bot.services.credit import credit_of
from bot.services.customer_value import refresh_stage_and_tier
from bot.services.loyalty import earn_for_order, reverse_order
from bot.services.money import DEFAULT_CURRENCY, currency_code, format_money
from bot.services.people import require_changeable
from bot.text.when import When, format_when
from storage.models import Customer, Order
from storage.uow import lock_for_update

_ORDER_REF = re.compile(r"^#?(\d{1,12})$")


def _currency(text: str) -> str:
    code = currency_code(text)
    if code is None:
        raise UserError("orders:bad_currency", value=text)
    return code


def _order(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    lock_for_update(ctx.session, customer)  # concurrent orders see each other when stage and tier are derived
    if "force" not in cmd.options:
        credit = credit_of(ctx.session, customer.id, today=ctx.today, tz=ctx.tz)
        if credit.rating == "D":  # warn before saving: the rep confirms with force:yes
            share = credit.on_time_share
            owed = "; ".join(format_money(a, c) for c, a in sorted(credit.overdue.items()))
            return Reply(text=ctx.t("credit:order_warning", customer=customer, owed=owed or None,
                                    on_time=round(share * 100) if share is not None else 0,
                                    days=credit.days_overdue), ok=False)
    amount, typed_currency = cmd.get("amount")
    currency = typed_currency
    if "currency" in cmd.options:
        chosen = _currency(cmd.options["currency"])
        if typed_currency and typed_currency != chosen:
            raise UserError("orders:currency_conflict", first=typed_currency, second=chosen)
        currency = chosen
    currency = currency or DEFAULT_CURRENCY
    dated: When | None = cmd.options.get("date")
    ordered_on = dated.local_date if dated else ctx.today
    if ordered_on > ctx.today:
        raise UserError("orders:future_order_date", when=format_when(dated, ctx.lang))
    due: When | None = cmd.options.get("due")
    payment_due = due.local_date if due else None
    if payment_due is not None and payment_due < ordered_on:
        raise UserError("orders:due_before_order", due=payment_due.isoformat(), ordered=ordered_on.isoformat())
    items = (cmd.options.get("items") or "").strip() or None
    order = Order(customer_id=customer.id, amount=amount, currency=currency, ordered_on=ordered_on, items=items,
                  payment_due=payment_due, created_by=ctx.user.id, created_at=ctx.now)
    ctx.session.add(order)
    ctx.session.flush()
    ctx.audit("create", "order", order.id, after=_snapshot(order))
    changes = refresh_stage_and_tier(ctx.session, customer, today=ctx.today, settings=ctx.settings)
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    if changes:
        ctx.audit("update", "customer", customer.id, before={k: v[0] for k, v in changes.items()},
                  after={k: v[1] for k, v in changes.items()})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("orders:recorded", order=order, customer=customer, money=format_money(amount, currency),
                            due=format_when(due, ctx.lang) if due else None, changes=changes))


def _snapshot(order: Order) -> dict[str, Any]:
    return {"customer_id": order.customer_id, "amount": str(order.amount), "currency": order.currency,
            "ordered_on": order.ordered_on, "items": order.items, "payment_due": order.payment_due,
            "paid_at": order.paid_at}


def _locked_order(ctx: CommandContext, ref: str) -> tuple[Order, Customer]:
    """The order `ref` names among the asker's customers, its row locked; the asker must be able to change it."""
    match = _ORDER_REF.match(ref.strip())
    if not match:
        raise UserError("orders:bad_order_ref", ref=ref)
    found = ctx.session.exec(
        select(Order, Customer)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.id == int(match[1]), Order.deleted_at.is_(None), visible_customers(ctx.session, ctx.user))
        .with_for_update(of=Order)  # two `paid` at once: the second waits, then sees it paid
    ).first()
    if found is None:
        raise UserError("orders:order_not_found", ref=ref)
    order, customer = found
    require_changeable(ctx.session, ctx.user, customer)
    return order, customer


def _paid(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    order, customer = _locked_order(ctx, cmd.get("order"))
    if order.paid_at is not None:
        raise UserError("orders:already_paid", id=order.id, day=order.paid_at.astimezone(ctx.tz).date().isoformat())
    paid_at = _paid_instant(ctx, cmd.get("date"))
    if paid_at.astimezone(ctx.tz).date() < order.ordered_on:
        raise UserError("orders:paid_before_order", id=order.id, paid=paid_at.astimezone(ctx.tz).date().isoformat(),
                        ordered=order.ordered_on.isoformat())
    before = _snapshot(order)
    order.paid_at = paid_at
    ctx.session.add(order)
    ctx.audit("update", "order", order.id, before={"paid_at": before["paid_at"]}, after={"paid_at": paid_at})
    points, balance = earn_for_order(ctx.session, ctx.settings, order=order, customer=customer, user_id=ctx.user.id,
                            now=ctx.now, today=ctx.today)
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    text = ctx.t("orders:marked_paid", order=order, customer=customer, money=format_money(order.amount, order.currency),
                 day=paid_at.astimezone(ctx.tz).date().isoformat())
    if points:
        text = Markdown(f"{text}\n{ctx.t('loyalty:earned', points=points, balance=balance)}")
    return Reply(text=text)


def _unpaid(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    """Undo a payment marked by mistake: the order is due again and the points it earned are taken back."""
    order, customer = _locked_order(ctx, cmd.get("order"))
    if order.paid_at is None:
        raise UserError("loyalty:not_paid", id=order.id)
    before = order.paid_at
    order.paid_at = None
    ctx.session.add(order)
    ctx.audit("update", "order", order.id, before={"paid_at": before}, after={"paid_at": None})
    reversal = reverse_order(ctx.session, order=order, customer=customer, user_id=ctx.user.id, now=ctx.now)
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("loyalty:unpaid", order=order, customer=customer, points=reversal.points,
                            short=reversal.short))


def _paid_instant(ctx: CommandContext, when: When | None) -> datetime:
    """When the money came: now (today) without a date; a past date means that day (local noon, stable across
    zones). Never in the future; `_paid` also refuses a day before the order was placed."""
    if when is None:
        return ctx.now
    if when.has_time:
        instant = when.instant
        assert instant is not None
    elif when.local_date == ctx.today:
        instant = ctx.now
    else:
        instant = datetime.combine(when.local_date, time(12), tzinfo=ctx.tz).astimezone(UTC)
    if instant > ctx.now:
        raise UserError("orders:future_payment", when=format_when(when, ctx.lang))
    return instant


SPECS = (
    CommandSpec(
        name="order",
        aliases=("订单", "成交", "下单", "purchase"),
        summary={"en": "record a purchase; due: sets when payment is due", "zh": "记录一笔订单；回款期: 设置回款日期"},
        handler=_order,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("amount", ArgKind.AMOUNT)),
        options=(
            Option("due", kind=ArgKind.WHEN, aliases=("回款期", "到期", "付款期", "回款日")),
            Option("items", aliases=("明细", "商品", "产品", "item"), max_length=1000),
            Option("currency", aliases=("币种", "货币"), max_length=10),
            Option("date", kind=ArgKind.WHEN, aliases=("日期", "下单日期", "on")),
            FORCE_OPTION,
        ),
        examples=(
            "order Acme 12000 due:2026-12-31 items:\"20 pumps\"",
            "订单 albb 1.2万 回款期:下个月 明细:服务器",
            "order #12 USD500 date:yesterday",
        ),
    ),
    CommandSpec(
        name="paid",
        aliases=("回款", "已回款", "付款"),
        summary={"en": "mark an order paid (optionally on a past date)", "zh": "标记订单已回款（可写回款日期）"},
        handler=_paid,
        args=(Arg("order", ArgKind.WORD, max_length=20), Arg("date", ArgKind.WHEN, required=False)),
        examples=("paid #7", "回款 #7 昨天"),
    ),
    CommandSpec(
        name="unpaid",
        aliases=("撤销回款", "取消回款", "unpay"),
        summary={"en": "undo a payment marked by mistake (its loyalty points are taken back)",
                 "zh": "撤销误标的回款（扣回该订单获得的积分）"},
        handler=_unpaid,
        args=(Arg("order", ArgKind.WORD, max_length=20),),
        examples=("unpaid #7", "撤销回款 #7"),
    ),
)
