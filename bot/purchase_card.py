"""The purchase-history and contract sections of the customer card (客户资料卡): lifetime and trailing-12-month
value, order count, last order date, the latest orders with their state, and the live contracts with their
end dates. Read set-based (`bot.services.purchase_history`); every line is bounded, so the card stays within
every platform's message and block limits however many orders or contracts a customer has."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import CommandContext
from bot.render import Markdown
from bot.services.contracts import reference
from bot.services.money import format_money
from bot.services.purchase_history import OrderRow, PurchaseHistory
from storage.models import Customer, Order

TITLE_CHARS = 60  # a contract title on the card; `show C<n>` has it whole


@dataclass(frozen=True)
class PurchaseSections:
    """The card's sections (label, markdown) and the ids of the orders they already show."""

    sections: tuple[tuple[str, Markdown], ...]
    shown_orders: frozenset[int]


def purchase_sections(ctx: CommandContext, customer: Customer, history: PurchaseHistory, *,
                      shared: bool) -> PurchaseSections:
    """The sections for `customer` from its `history` (read with the card's orders); a card others will see
    (`shared`) shows contracts without their value and no purchases at all (amounts never leave a private
    conversation)."""
    sections: list[tuple[str, Markdown]] = []
    if history.totals and not shared:
        sections.append((ctx.t("purchases:heading"), _purchases(ctx, customer, history)))
    if history.contracts:
        sections.append((ctx.t("purchases:contracts_heading"), _contracts(ctx, history, shared=shared)))
    shown = frozenset(o.id for o in history.latest if o.id is not None) if not shared else frozenset()
    return PurchaseSections(tuple(sections), shown)


def _money(totals: list[tuple[str, object]]) -> str:
    return " + ".join(format_money(amount, currency) for currency, amount in totals)  # type: ignore[arg-type]


def _purchases(ctx: CommandContext, customer: Customer, history: PurchaseHistory) -> Markdown:
    lifetime = _money([(t.currency, t.lifetime) for t in history.totals])
    trailing = _money([(t.currency, t.trailing) for t in history.totals if t.trailing])
    last = history.last_order.isoformat() if history.last_order else ""
    lines = [str(ctx.t("purchases:summary", lifetime=lifetime, trailing=trailing, count=history.order_count,
                       last=last))]
    lines += [str(ctx.t("purchases:order_line", **_order(ctx, order))) for order in history.latest]
    if history.order_count > len(history.latest):
        lines.append(str(ctx.t("purchases:all_orders", ref=f"#{customer.id}", count=history.order_count)))
    return Markdown("\n".join(lines))


def order_view(ctx: CommandContext, order: Order | OrderRow) -> dict[str, object]:
    """What a line shows of an order: number, value, date and state (paid on …, due …, overdue)."""
    return _order(ctx, order)


def _order(ctx: CommandContext, order: Order | OrderRow) -> dict[str, object]:
    paid = order.paid_at.astimezone(ctx.tz).date().isoformat() if order.paid_at else None
    due = order.payment_due.isoformat() if order.payment_due else None
    overdue = order.paid_at is None and order.payment_due is not None and order.payment_due < ctx.today
    items = order.items[:TITLE_CHARS] if order.items else None
    return {"id": order.id, "money": format_money(order.amount, order.currency), "day": order.ordered_on.isoformat(),
            "paid": paid, "due": due, "overdue": overdue, "items": items}


def _contracts(ctx: CommandContext, history: PurchaseHistory, *, shared: bool) -> Markdown:
    lines = []
    for contract in history.contracts:
        successor = contract.successor_id
        title = contract.title if len(contract.title) <= TITLE_CHARS else contract.title[: TITLE_CHARS - 1] + "…"
        money = format_money(contract.amount, contract.currency) if contract.amount is not None and not shared else None
        days = (contract.ends_on - ctx.today).days if contract.ends_on else None
        lines.append(str(ctx.t("purchases:contract_line", ref=reference(contract.id), title=title,
                               money=money, ends=contract.ends_on.isoformat() if contract.ends_on else None,
                               days=days, auto=contract.auto_renew,
                               successor=reference(successor) if successor else None,
                               window=ctx.settings.contracts.remind_before_days)))
    if history.more_contracts:
        lines.append(str(ctx.t("purchases:more_contracts")))
    return Markdown("\n".join(lines))
