"""Contracts (合同): `contract` records one as ``C<n>``; `show C<n>`, `edit C<n>`, `end C<n>` (终止),
`renew C<n>` (续约, a new contract linked to the old one) and `contracts` (合同列表) list them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.commands.spec import Arg, ArgKind, CommandSpec, Option, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.services.contracts import (
    REF_PATTERN,
    SCOPE_WORDS,
    Found,
    find_contract,
    list_contracts,
    reference,
    renewal_of,
    state_of,
    successor_of,
)
from bot.services.money import DEFAULT_CURRENCY, currency_code, format_money
from bot.services.people import require_changeable
from bot.text.when import When
from storage.models import Contract, Customer
from storage.uow import lock_for_update

PAGE = 15
RENEW_WORDS = {"auto": True, "automatic": True, "yes": True, "自动": True, "自动续约": True, "是": True,
               "manual": False, "no": False, "手动": False, "否": False, "不": False}


def _renew_mode(text: str) -> bool:
    mode = RENEW_WORDS.get(str(text).strip().lower())
    if mode is None:
        raise UserError("contracts:bad_renew_mode", value=text)
    return mode


def _currency(cmd: ParsedCommand, typed: str | None) -> str | None:
    if "currency" not in cmd.options:
        return typed
    chosen = currency_code(cmd.options["currency"])
    if chosen is None:
        raise UserError("orders:bad_currency", value=cmd.options["currency"])
    if typed and typed != chosen:
        raise UserError("orders:currency_conflict", first=typed, second=chosen)
    return chosen


def _day(when: When | None) -> date | None:
    return when.local_date if when is not None else None


def _check_term(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise UserError("contracts:end_before_start", start=starts_on.isoformat(), end=ends_on.isoformat())


def snapshot(contract: Contract) -> dict[str, Any]:
    """The audited fields of a contract."""
    return {"customer_id": contract.customer_id, "title": contract.title,
            "amount": None if contract.amount is None else str(contract.amount), "currency": contract.currency,
            "starts_on": contract.starts_on, "ends_on": contract.ends_on, "auto_renew": contract.auto_renew,
            "renewed_from_id": contract.renewed_from_id, "ended_on": contract.ended_on,
            "end_reason": contract.end_reason}


def _view(ctx: CommandContext, contract: Contract, customer: Customer | tuple[int, str],
          successor_id: int | None) -> dict[str, Any]:
    """What the templates show of one contract (`customer`: the customer, or its id and name)."""
    customer_id, name = (customer.id, customer.name) if isinstance(customer, Customer) else customer
    return {
        "ref": reference(contract.id), "title": contract.title, "customer": name, "customer_id": customer_id,
        "money": format_money(contract.amount, contract.currency) if contract.amount is not None else None,
        "starts": contract.starts_on.isoformat(), "ends": contract.ends_on.isoformat() if contract.ends_on else None,
        "days_left": (contract.ends_on - ctx.today).days if contract.ends_on else None,
        "auto": contract.auto_renew, "state": state_of(contract, today=ctx.today, successor_id=successor_id,
                                                       window_days=ctx.settings.contracts.remind_before_days),
        "successor": reference(successor_id) if successor_id else None,
        "predecessor": reference(contract.renewed_from_id) if contract.renewed_from_id else None,
        "ended_on": contract.ended_on.isoformat() if contract.ended_on else None, "reason": contract.end_reason,
    }


def _reminders(ctx: CommandContext) -> tuple[int, int]:
    settings = ctx.settings.contracts
    return settings.remind_before_days, settings.second_reminder_days


def _contract(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    title = (cmd.get("subject") or "").strip()
    if not title:
        raise UserError("contracts:title_required")
    amount, typed = cmd.options.get("amount") or (None, None)
    currency = _currency(cmd, typed) or DEFAULT_CURRENCY
    starts_on = _day(cmd.options.get("start")) or ctx.today
    ends_on = _day(cmd.options.get("end"))
    _check_term(starts_on, ends_on)
    auto = _renew_mode(cmd.options["renew"]) if "renew" in cmd.options else False
    if auto and ends_on is None:
        raise UserError("contracts:auto_needs_end")
    lock_for_update(ctx.session, customer)  # the customer's writers queue, as for orders
    contract = Contract(customer_id=customer.id, title=title, amount=amount, currency=currency, starts_on=starts_on,
                        ends_on=ends_on, auto_renew=auto, created_by=ctx.user.id, created_at=ctx.now,
                        updated_at=ctx.now)
    ctx.session.add(contract)
    ctx.session.flush()
    ctx.audit("create", "contract", contract.id, after=snapshot(contract))
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    first, second = _reminders(ctx)
    return Reply(text=ctx.t("contracts:recorded", c=_view(ctx, contract, customer, None), first=first, second=second))


def _show(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = find_contract(ctx.session, ctx.user, cmd.get("contract_no"))
    return Reply(text=ctx.t("contracts:detail", c=_view(ctx, found.contract, found.customer, found.successor_id)))


def _locked(ctx: CommandContext, ref: str) -> Found:
    """The contract, its row held, with its successor read after the lock (a renewal committed while we waited
    is seen), if the asker may change its customer."""
    found = find_contract(ctx.session, ctx.user, ref, for_update=True)
    require_changeable(ctx.session, ctx.user, found.customer)
    return Found(found.contract, found.customer, successor_of(ctx.session, found.contract.id))


def _edit(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = _locked(ctx, cmd.get("contract_no"))
    contract = found.contract
    if not cmd.options:
        raise UserError("contracts:nothing_to_change", ref=reference(contract.id))
    before = snapshot(contract)
    if "title" in cmd.options:
        title = str(cmd.options["title"]).strip()
        if not title:
            raise UserError("contracts:title_required")
        contract.title = title
    if "amount" in cmd.options:
        amount, typed = cmd.options["amount"]
        contract.amount = amount
        contract.currency = _currency(cmd, typed) or contract.currency
    elif "currency" in cmd.options:
        contract.currency = _currency(cmd, None) or contract.currency
    contract.starts_on = _day(cmd.options.get("start")) or contract.starts_on
    if "end" in cmd.options:
        contract.ends_on = _day(cmd.options["end"])
    _check_term(contract.starts_on, contract.ends_on)
    if "renew" in cmd.options:
        contract.auto_renew = _renew_mode(cmd.options["renew"])
    if contract.auto_renew and contract.ends_on is None:
        raise UserError("contracts:auto_needs_end")
    after = snapshot(contract)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        raise UserError("contracts:nothing_to_change", ref=reference(contract.id))
    contract.updated_at = ctx.now
    ctx.session.add(contract)
    ctx.audit("update", "contract", contract.id, before={k: before[k] for k in changed}, after=changed)
    ctx.publish(CustomerChanged(customer_id=found.customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("contracts:updated", c=_view(ctx, contract, found.customer, found.successor_id),
                            changed=sorted(changed)))


def _end(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = _locked(ctx, cmd.get("contract_no"))
    contract = found.contract
    ref = reference(contract.id)
    if contract.ended_on is not None:
        raise UserError("contracts:already_ended", ref=ref, day=contract.ended_on.isoformat())
    if found.successor_id is not None:
        raise UserError("contracts:already_renewed", ref=ref, successor=reference(found.successor_id))
    ended_on = _day(cmd.options.get("date")) or ctx.today
    if ended_on < contract.starts_on:
        raise UserError("contracts:end_before_start", start=contract.starts_on.isoformat(), end=ended_on.isoformat())
    reason = (cmd.options.get("reason") or cmd.get("reason") or "").strip() or None
    contract.ended_on = ended_on
    contract.end_reason = reason
    contract.updated_at = ctx.now
    ctx.session.add(contract)
    ctx.audit("update", "contract", contract.id, before={"ended_on": None},
              after={"ended_on": ended_on, "end_reason": reason})
    ctx.publish(CustomerChanged(customer_id=found.customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("contracts:ended", c=_view(ctx, contract, found.customer, None)))


def _renew(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    found = _locked(ctx, cmd.get("contract_no"))
    contract = found.contract
    ref = reference(contract.id)
    if found.successor_id is not None:
        raise UserError("contracts:already_renewed", ref=ref, successor=reference(found.successor_id))
    if contract.ended_on is not None:
        raise UserError("contracts:renew_ended", ref=ref, day=contract.ended_on.isoformat())
    amount: Decimal | None = None
    if "amount" in cmd.options:
        amount, typed = cmd.options["amount"]
        if typed and typed != contract.currency:
            raise UserError("orders:currency_conflict", first=typed, second=contract.currency)
    successor = renewal_of(contract, ends_on=_day(cmd.options.get("end")), amount=amount, created_by=ctx.user.id,
                           now=ctx.now)
    # The unique successor key settles a concurrent renewal (or the scheduler's roll-forward) that got here
    # first: this transaction fails on it, reruns, and answers "already renewed".
    ctx.session.add(successor)
    ctx.session.flush()
    ctx.audit("create", "contract", successor.id, after=snapshot(successor))
    ctx.publish(CustomerChanged(customer_id=found.customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("contracts:renewed", old=_view(ctx, contract, found.customer, successor.id),
                            c=_view(ctx, successor, found.customer, None)))


def _contracts(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    scope = SCOPE_WORDS[cmd.get("scope") or "all"]
    page = cmd.get("page") or 1
    if page < 1:
        raise UserError("bad_number", name="page", value=page)
    window = ctx.settings.contracts.remind_before_days
    rows, total = list_contracts(ctx.session, ctx.user, scope=scope, today=ctx.today, window_days=window,
                                 limit=PAGE, offset=(page - 1) * PAGE)
    if not rows:
        return Reply(text=ctx.t("contracts:empty", scope=scope, window=window, page=page), ok=False)
    views = [_view(ctx, r.contract, (r.customer_id, r.customer_name), r.successor_id) for r in rows]
    pages = (total + PAGE - 1) // PAGE
    more = f"{cmd.alias_used} {cmd.get('scope') or ''} page:{page + 1}".replace("  ", " ") if page < pages else None
    return Reply(text=ctx.t("contracts:listing", scope=scope, window=window, rows=views, total=total, page=page,
                            pages=pages, more=more))


_AMOUNT = Option("amount", kind=ArgKind.AMOUNT, aliases=("金额", "合同金额", "价值"))
_START = Option("start", kind=ArgKind.WHEN, aliases=("开始", "开始日期", "起始", "生效", "from"))
_END = Option("end", kind=ArgKind.WHEN, aliases=("结束", "结束日期", "到期", "到期日", "截止", "until", "to"))
_RENEW = Option("renew", aliases=("续约方式", "续约", "续签"), choices=("auto", "manual"))
_CURRENCY = Option("currency", aliases=("币种", "货币"), max_length=10)
_CONTRACT = Arg("contract_no", ArgKind.WORD, max_length=20)
_SUMMARY_SHOW = {"en": "C<n>: a contract's term, value, renewal and state", "zh": "C<编号>：查看合同的期限、金额、续约方式和状态"}

SPECS = (
    CommandSpec(
        name="contract",
        aliases=("合同", "新合同", "签约", "签合同", "new-contract"),
        summary={"en": "record a contract (C<n>) with its value, term and renewal mode",
                 "zh": "记录一份合同（C<编号>）：金额、起止日期和续约方式"},
        handler=_contract,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("subject", ArgKind.TEXT, max_length=200)),
        options=(_AMOUNT, _START, _END, _RENEW, _CURRENCY),
        examples=("contract Acme \"Annual service\" amount:120000 start:2026-12-01 end:2027-11-30",
                  "合同 阿里巴巴 年度服务合同 金额:一万二 开始:2026-12-01 结束:2027-11-30 续约:自动"),
    ),
    CommandSpec(name="show", aliases=("查看",), summary=_SUMMARY_SHOW, handler=_show, args=(_CONTRACT,),
                examples=("show C3", "查看 C3"), writes=False, ref_pattern=REF_PATTERN),
    CommandSpec(
        name="edit", aliases=("修改",),
        summary={"en": "C<n> k:v…: change a contract's title, value, dates or renewal mode",
                 "zh": "C<编号> 字段:值…：修改合同的标题、金额、日期或续约方式"},
        handler=_edit, args=(_CONTRACT,),
        options=(Option("title", aliases=("标题", "名称", "合同名称"), max_length=200), _AMOUNT, _START, _END, _RENEW,
                 _CURRENCY),
        examples=("edit C3 end:2027-12-31 renew:auto", "修改 C3 金额:1.5万"), ref_pattern=REF_PATTERN,
    ),
    CommandSpec(
        name="end",
        aliases=("终止", "终止合同", "terminate", "解约"),
        summary={"en": "terminate a contract early (no more renewal reminders)", "zh": "提前终止合同（不再提醒续约）"},
        handler=_end,
        args=(_CONTRACT, Arg("reason", ArgKind.TEXT, required=False, max_length=500)),
        options=(Option("reason", aliases=("原因", "理由"), max_length=500, verbatim=True),
                 Option("date", kind=ArgKind.WHEN, aliases=("日期", "终止日期", "on"))),
        examples=("end C3 reason:\"moved to a competitor\"", "终止 C3 原因:客户业务调整"),
    ),
    CommandSpec(
        name="renew",
        aliases=("续约", "续签", "续约合同"),
        summary={"en": "renew a contract: a new contract from the day after it ends, linked to it",
                 "zh": "续约：从原合同结束次日起的新合同，与原合同关联"},
        handler=_renew,
        args=(_CONTRACT,),
        options=(_END, _AMOUNT),
        examples=("renew C3", "renew C3 end:2028-11-30 amount:130000", "续约 C3 结束:2028-11-30"),
    ),
    CommandSpec(
        name="contracts",
        aliases=("合同列表", "我的合同列表", "contract-list"),
        summary={"en": "list contracts: all live ones, expiring, mine, my team's, or ended",
                 "zh": "合同列表：生效中、即将到期、我的、团队的或已结束的"},
        handler=_contracts,
        args=(Arg("scope", ArgKind.CHOICE, required=False, choices=tuple(SCOPE_WORDS)),),
        options=(Option("page", ArgKind.INT, aliases=("页", "第")),),
        examples=("contracts", "contracts expiring", "合同列表 即将到期", "合同列表 团队 页:2"),
        writes=False,
    ),
)
