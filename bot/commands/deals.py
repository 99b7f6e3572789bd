"""Deal commands (商机): `deal` creates one, `stage` moves it, `won` / `lost` close it, and ``edit D<n>`` /
``show D<n>`` (variants of `edit` and `show`) change and show it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import select

from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.pipeline.cards import deal_card
from bot.pipeline.deals import (
    DEAL_REF,
    LOST,
    WON,
    NewDeal,
    create_deal,
    deal_ref,
    enter_stage,
    load_deal,
    snapshot,
    weighted,
)
from bot.pipeline.stages import Stage, StageRegistry, stage_registry
from bot.render import Markdown, escape_md
from bot.services.customer_value import refresh_stage_and_tier
from bot.services.money import DEFAULT_CURRENCY, currency_code, format_money
from bot.services.people import require_changeable
from bot.text.when import When, format_when
from storage.models import Customer, Opportunity, Order
from storage.uow import lock_for_update

_REF_PATTERN = DEAL_REF.pattern.strip("^$")
_ORDER_WORDS = ("order", "下单", "订单", "生成订单")


def _stages(ctx: CommandContext) -> StageRegistry:
    return stage_registry(ctx.settings)


def _stage_named(ctx: CommandContext, word: str) -> Stage:
    stages = _stages(ctx)
    stage = stages.find(word)
    if stage is None:
        raise UserError("deals:bad_stage", value=word, choices=stages.choices(ctx.lang))
    return stage


def _money(deal: Opportunity) -> str | None:
    return None if deal.amount is None else format_money(deal.amount, deal.currency)


def _amount(ctx: CommandContext, cmd: ParsedCommand, current: str) -> tuple[Decimal | None, str]:
    """The typed amount and currency (``amount:1.2万``, ``金额:USD500``, ``currency:`` / ``币种:``)."""
    typed = cmd.options.get("amount")
    amount, currency = (typed if typed else (None, None))
    if "currency" in cmd.options:
        chosen = currency_code(cmd.options["currency"])
        if chosen is None:
            raise UserError("orders:bad_currency", value=cmd.options["currency"])
        if currency and currency != chosen:
            raise UserError("orders:currency_conflict", first=currency, second=chosen)
        currency = chosen
    return amount, currency or current


def _close_date(ctx: CommandContext, cmd: ParsedCommand):
    when: When | None = cmd.options.get("close")
    if when is None:
        return None
    if when.local_date < ctx.today:
        raise UserError("deals:close_in_past", when=format_when(when, ctx.lang))
    return when.local_date


def _deal(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    title = (cmd.get("title") or "").strip()
    if not title:
        raise UserError("deals:title_required")
    stage = _stage_named(ctx, cmd.options["stage"]) if "stage" in cmd.options else _stages(ctx).first
    if stage.closed:
        raise UserError("deals:new_deal_closed", stage=stage.name(ctx.lang))
    amount, currency = _amount(ctx, cmd, DEFAULT_CURRENCY)
    spec = NewDeal(title=title, amount=amount, currency=currency, expected_close=_close_date(ctx, cmd), stage=stage)
    deal = create_deal(ctx.session, customer=customer, owner=ctx.user, spec=spec, now=ctx.now)
    ctx.audit("create", "deal", deal.id, after=snapshot(deal))
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("deals:created", ref=deal_ref(deal), title=deal.title, customer=customer,
                            stage=stage.name(ctx.lang), money=_money(deal)),
                 card=deal_card(ctx, deal, customer))


def _changeable(ctx: CommandContext, ref: str) -> tuple[Opportunity, Customer]:
    deal, customer = load_deal(ctx.session, ctx.user, ref, lock=True)
    require_changeable(ctx.session, ctx.user, customer)
    return deal, customer


def _move(ctx: CommandContext, deal: Opportunity, stage: Stage) -> Reply:
    """Move an open (or lost, to reopen it) deal into an open stage."""
    stages = _stages(ctx)
    if deal.status == WON:
        raise UserError("deals:already_closed", ref=deal_ref(deal), stage=stages.get(deal.stage).name(ctx.lang))
    if deal.stage == stage.key:
        raise UserError("deals:same_stage", ref=deal_ref(deal), stage=stage.name(ctx.lang))
    before = stages.get(deal.stage)
    old = snapshot(deal)
    enter_stage(ctx.session, deal, stage, by=ctx.user, now=ctx.now)
    ctx.audit("update", "deal", deal.id, before={"stage": old["stage"], "status": old["status"]},
              after={"stage": deal.stage, "status": deal.status})
    ctx.publish(CustomerChanged(customer_id=deal.customer_id, tenant=ctx.tenant))
    value = weighted(deal, stages)
    return Reply(text=ctx.t("deals:moved", ref=deal_ref(deal), title=deal.title, before=before.name(ctx.lang),
                            after=stage.name(ctx.lang), probability=stage.probability,
                            weighted=None if value is None else format_money(value, deal.currency)))


def _stage(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    stage = _stage_named(ctx, cmd.get("stage"))
    if stage.key == LOST:
        raise UserError("deals:lost_needs_reason", ref=cmd.get("deal").strip())
    deal, customer = _changeable(ctx, cmd.get("deal"))
    if stage.key == WON:
        return _win(ctx, deal, customer, cmd, with_order=False)
    reply = _move(ctx, deal, stage)
    return Reply(text=reply.text, card=deal_card(ctx, deal, customer))


def _won(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    deal, customer = _changeable(ctx, cmd.get("deal"))
    return _win(ctx, deal, customer, cmd, with_order=cmd.get("order") is not None)


def _win(ctx: CommandContext, deal: Opportunity, customer: Customer, cmd: ParsedCommand, *, with_order: bool) -> Reply:
    stages = _stages(ctx)
    if deal.status == LOST:  # won back: reopen it first (`stage D<n> <stage>`), so the history says so
        raise UserError("deals:already_closed", ref=deal_ref(deal), stage=stages.get(deal.stage).name(ctx.lang))
    existing = ctx.session.exec(select(Order.id).where(Order.deal_id == deal.id)).first()
    if deal.status == WON and (not with_order or existing is not None):
        raise UserError("deals:already_won", ref=deal_ref(deal), order=existing)
    amount, currency = _amount(ctx, cmd, deal.currency)
    old = snapshot(deal)
    if amount is not None:
        deal.amount, deal.currency = amount, currency
    if with_order and deal.amount is None:
        raise UserError("deals:order_needs_amount", ref=deal_ref(deal))
    if deal.status != WON:
        enter_stage(ctx.session, deal, stages.get(WON), by=ctx.user, now=ctx.now)
    ctx.audit("update", "deal", deal.id, before=old, after=snapshot(deal))
    order = _order_from(ctx, deal, customer, cmd) if with_order else None
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("deals:won", ref=deal_ref(deal), title=deal.title, customer=customer,
                            money=_money(deal), order=order),
                 card=deal_card(ctx, deal, customer))


def _order_from(ctx: CommandContext, deal: Opportunity, customer: Customer, cmd: ParsedCommand) -> Order:
    """The order a won deal closes into: its amount, today, the deal named as its items."""
    assert deal.amount is not None
    lock_for_update(ctx.session, customer)  # stage and tier are derived from every order of the customer
    due: When | None = cmd.options.get("due")
    if due is not None and due.local_date < ctx.today:
        raise UserError("orders:due_before_order", due=due.local_date.isoformat(), ordered=ctx.today.isoformat())
    order = Order(customer_id=customer.id, amount=deal.amount, currency=deal.currency, ordered_on=ctx.today,
                  items=deal.title[:1000], payment_due=due.local_date if due else None, created_by=ctx.user.id,
                  created_at=ctx.now, deal_id=deal.id)
    ctx.session.add(order)
    ctx.session.flush()
    ctx.audit("create", "order", order.id, after={"deal_id": deal.id, "amount": str(order.amount),
                                                  "currency": order.currency, "ordered_on": order.ordered_on})
    changes = refresh_stage_and_tier(ctx.session, customer, today=ctx.today, settings=ctx.settings)
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    if changes:
        ctx.audit("update", "customer", customer.id, before={k: v[0] for k, v in changes.items()},
                  after={k: v[1] for k, v in changes.items()})
    return order


def _lost(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    # ``reason:price too high``: the option takes its first word, the words after it are the rest of the reason.
    reason = " ".join(part for part in (cmd.options.get("reason"), cmd.values.get("reason")) if part).strip()
    if not reason:
        raise UserError("deals:lost_needs_reason", ref=cmd.get("deal").strip())
    deal, customer = _changeable(ctx, cmd.get("deal"))
    stages = _stages(ctx)
    if deal.status != "open":
        raise UserError("deals:already_closed", ref=deal_ref(deal), stage=stages.get(deal.stage).name(ctx.lang))
    old = snapshot(deal)
    enter_stage(ctx.session, deal, stages.get(LOST), by=ctx.user, now=ctx.now, reason=reason[:500])
    ctx.audit("update", "deal", deal.id, before=old, after=snapshot(deal))
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("deals:lost", ref=deal_ref(deal), title=deal.title, reason=deal.lost_reason),
                 card=deal_card(ctx, deal, customer))


def _edit(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    deal, customer = _changeable(ctx, cmd.get("deal"))
    if not cmd.options:
        raise UserError("deals:nothing_to_change", ref=deal_ref(deal))
    old = snapshot(deal)
    if "title" in cmd.options:
        title = str(cmd.options["title"]).strip()
        if not title:
            raise UserError("deals:title_required")
        deal.title = title
    if "amount" in cmd.options or "currency" in cmd.options:
        amount, currency = _amount(ctx, cmd, deal.currency)
        deal.amount = amount if amount is not None else deal.amount
        deal.currency = currency
    if "close" in cmd.options:
        deal.expected_close = _close_date(ctx, cmd)
    deal.updated_at = ctx.now
    ctx.session.add(deal)
    if "stage" in cmd.options:
        stage = _stage_named(ctx, cmd.options["stage"])
        if stage.closed:
            raise UserError("deals:close_with_command", ref=deal_ref(deal))
        if stage.key != deal.stage:
            _move(ctx, deal, stage)
    new = snapshot(deal)
    changed = {k: v for k, v in new.items() if old[k] != v}
    fields = {k: v for k, v in changed.items() if k not in ("stage", "status")}  # a move audits itself
    if fields:
        ctx.audit("update", "deal", deal.id, before={k: old[k] for k in fields}, after=fields)
    if changed:
        ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("deals:updated", ref=deal_ref(deal), changes=_describe(ctx, changed)),
                 card=deal_card(ctx, deal, customer))


def _describe(ctx: CommandContext, changed: dict[str, Any]) -> Markdown:
    if not changed:
        return Markdown("—")
    stages = _stages(ctx)
    zh = ctx.lang.startswith("zh")
    parts = []
    for key, value in changed.items():
        if key == "stage":
            value = stages.get(str(value)).name(ctx.lang)
        elif key == "status":
            continue
        label = ctx.t("deals:field", name=key)
        shown = "—" if value is None else escape_md(value)
        parts.append(f"{label}：{shown}" if zh else f"{label}={shown}")
    return Markdown(("，" if zh else ", ").join(parts))


def _show(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    deal, customer = load_deal(ctx.session, ctx.user, cmd.get("deal"))
    return Reply(card=deal_card(ctx, deal, customer))


_AMOUNT = Option("amount", kind=ArgKind.AMOUNT, aliases=("金额", "预计金额"))
_CLOSE = Option("close", kind=ArgKind.WHEN, aliases=("预计成交", "成交日期", "预计成交日", "close_date"))
_STAGE = Option("stage", aliases=("阶段",), max_length=24)
_CURRENCY = Option("currency", aliases=("币种", "货币"), max_length=10)
_DEAL = Arg("deal", ArgKind.WORD, max_length=20)

SPECS = (
    CommandSpec(
        name="deal",
        aliases=("商机", "新商机", "opportunity", "opp"),
        summary={"en": "open a deal (D<n>) for a customer: amount, expected close, stage",
                 "zh": "为客户新建商机（D编号）：金额、预计成交日期、阶段"},
        handler=_deal,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("title", ArgKind.TEXT, max_length=200)),
        options=(_AMOUNT, _CLOSE, _STAGE, _CURRENCY),
        examples=("deal Acme 50 pumps amount:120k close:2026-12-31", "商机 阿里巴巴 服务器采购 金额:50万 预计成交:下个月"),
    ),
    CommandSpec(
        name="stage",
        aliases=("阶段", "推进", "move"),
        summary={"en": "move a deal to another stage", "zh": "推进商机到另一个阶段"},
        handler=_stage,
        args=(_DEAL, Arg("stage", ArgKind.WORD, max_length=24)),
        examples=("stage D3 proposal", "阶段 D3 商务谈判"),
    ),
    CommandSpec(
        name="won",
        aliases=("赢单", "成单"),
        summary={"en": "close a deal as won; add `order` to record its order", "zh": "商机赢单；加「下单」同时生成订单"},
        handler=_won,
        args=(_DEAL, Arg("order", ArgKind.CHOICE, required=False, choices=_ORDER_WORDS)),
        options=(_AMOUNT, _CURRENCY, Option("due", kind=ArgKind.WHEN, aliases=("回款期", "到期", "付款期"))),
        examples=("won D3 order due:2027-01-31", "赢单 D3 下单 回款期:下个月"),
    ),
    CommandSpec(
        name="lost",
        aliases=("丢单", "输单"),
        summary={"en": "close a deal as lost, with the reason", "zh": "商机丢单，并写明原因"},
        handler=_lost,
        args=(_DEAL, Arg("reason", ArgKind.TEXT, required=False, max_length=500, verbatim=True)),
        options=(Option("reason", aliases=("原因", "丢单原因"), max_length=500, verbatim=True),),
        examples=("lost D3 reason:price too high", "丢单 D3 原因:价格太高"),
    ),
    CommandSpec(
        name="edit",
        aliases=(),
        summary={"en": "change a deal: title, amount, expected close, stage", "zh": "修改商机：标题、金额、预计成交日期、阶段"},
        handler=_edit,
        args=(_DEAL,),
        options=(Option("title", aliases=("标题", "名称"), max_length=200), _AMOUNT, _CLOSE, _STAGE, _CURRENCY),
        examples=("edit D3 amount:150k close:2027-01-15", "修改 D3 金额:60万 预计成交:下周五"),
        ref_pattern=_REF_PATTERN,
    ),
    CommandSpec(
        name="show",
        aliases=(),
        summary={"en": "a deal: stage, amount, weighted value, stage history", "zh": "查看商机：阶段、金额、加权金额、阶段历史"},
        handler=_show,
        args=(_DEAL,),
        examples=("show D3", "查看 D3"),
        writes=False,
        ref_pattern=_REF_PATTERN,
    ),
)
