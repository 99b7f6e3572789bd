"""`pipeline` / 漏斗: the funnel of a scope (mine, team, one rep) with its weighted forecast by close month; and
`deals` / 商机列表: the open deals of one stage (what the funnel's stage buttons run)."""

from __future__ import annotations

from decimal import Decimal

import bot.pipeline.actions  # noqa: F401  (declares the stage buttons)
from bot.access import can_manage_user, is_manager_or_admin
from bot.actions import button
from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.messages import Card, CardField, Reply
from bot.pipeline.deals import deal_ref, weighted
from bot.pipeline.funnel import Money, deals_in, funnel
from bot.pipeline.stages import Stage, stage_registry
from bot.render import Markdown, escape_md
from bot.services.money import format_money
from bot.users import find_user
from storage.models import User

MINE = frozenset({"mine", "me", "my", "我的", "我", "自己"})
TEAM = frozenset({"team", "all", "团队", "全部", "全体"})
PERIODS = {"month": "month", "quarter": "quarter", "本月": "month", "本季度": "quarter", "季度": "quarter", "月": "month"}


def _money(ctx: CommandContext, money: Money) -> str:
    if not money:
        return format_money(Decimal(0), "CNY")
    return "; ".join(format_money(amount, currency) for currency, amount in sorted(money.items()))


def _scope(ctx: CommandContext, words: list[str]) -> tuple[str, User | None, str | None]:
    """(scope name, owner or None for the whole team, period) from the words typed, in any order."""
    period: str | None = None
    scope: str | None = None
    owner: User | None = None
    for word in words:
        lowered = word.lower()
        if lowered in PERIODS:
            period = PERIODS[lowered]
        elif lowered in MINE:
            scope = "mine"
        elif lowered in TEAM:
            scope = "team"
        else:
            owner = _rep(ctx, word)
            scope = "rep"
    if scope is None:
        scope = "team" if is_manager_or_admin(ctx.user) else "mine"
    if scope == "mine":
        owner = ctx.user
    return scope, owner, period


def _rep(ctx: CommandContext, ref: str) -> User:
    matches = find_user(ctx.session, tenant=ctx.tenant, reference=ref.lstrip("@"), platform=ctx.incoming.platform,
                        include_inactive=True)
    if not matches:
        raise UserError("user_not_found", ref=ref)
    if len(matches) > 1:
        raise UserError("user_ambiguous", ref=ref, candidates=", ".join(escape_md(u.name) for u in matches[:8]))
    rep = matches[0]
    if rep.id != ctx.user.id and not can_manage_user(ctx.session, ctx.user, rep):
        raise UserError("pipeline:not_your_rep", name=rep.display_name or rep.name)
    return rep


def _scope_words(cmd: ParsedCommand) -> list[str]:
    return [w for w in (cmd.get("scope"), cmd.get("period")) if w]


def _scope_label(ctx: CommandContext, scope: str, owner: User | None) -> str:
    name = (owner.display_name or owner.name) if owner is not None else ""
    return str(ctx.t("pipeline:scope", scope=scope, name=name))


def _pipeline(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    scope, owner, period = _scope(ctx, _scope_words(cmd))
    stages = stage_registry(ctx.settings)
    figures = funnel(ctx.session, ctx.user, stages, owner=owner, period=period, today=ctx.today, tz=ctx.tz)
    # Two columns per stage: its count, and its amounts as a sensitive field, which a card seen by others
    # (a group, a channel post) loses, as every amount does.
    fields = [CardField(ctx.t("pipeline:label_open"), str(figures.open_count)),
              CardField(ctx.t("pipeline:label_open_amount"),
                        str(ctx.t("pipeline:amount_value", amount=_money(ctx, figures.open_amount),
                                  weighted=_money(ctx, figures.weighted))), sensitive=True)]
    for row in figures.stages:
        fields.append(CardField(ctx.t("pipeline:stage_label", stage=row.stage.name(ctx.lang),
                                      probability=row.stage.probability),
                                str(ctx.t("pipeline:count", count=row.count))))
        fields.append(CardField(ctx.t("pipeline:amount_label", stage=row.stage.name(ctx.lang)),
                                str(ctx.t("pipeline:amount_value", amount=_money(ctx, row.amount),
                                          weighted=_money(ctx, row.weighted))), sensitive=True))
    for month, total, weight in figures.forecast:
        fields.append(CardField(ctx.t("pipeline:forecast_label", month=month),
                                str(ctx.t("pipeline:amount_value", amount=_money(ctx, total),
                                          weighted=_money(ctx, weight))), sensitive=True))
    won_count, won_money = figures.won
    fields.append(CardField(ctx.t("pipeline:label_closed", period=period or "month"),
                            str(ctx.t("pipeline:closed_line", won=won_count, lost=figures.lost))))
    if won_count:
        fields.append(CardField(ctx.t("pipeline:label_won_amount"), _money(ctx, won_money), sensitive=True))
    zh = ctx.lang.startswith("zh")
    scope_word = ("我的" if zh else "mine") if scope == "mine" else (
        owner.name if owner is not None else ("团队" if zh else "team"))
    actions = tuple(
        button(ctx.lang, "pipeline_stage", stage=row.stage.name(ctx.lang), scope=scope_word,
               label=f"{row.stage.name(ctx.lang)} ({row.count})")
        for row in figures.stages if row.count
    )
    title = ctx.t("pipeline:title", scope=_scope_label(ctx, scope, owner), period=period or "")
    horizon = ctx.t("pipeline:horizon", start=figures.horizon_start.isoformat(),
                    end=figures.horizon_end.isoformat() if figures.horizon_end else None)
    return Reply(card=Card(title=title, subtitle=horizon, fields=tuple(fields), actions=actions))


def _deals(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    stages = stage_registry(ctx.settings)
    words = [w for w in (cmd.get("stage"), cmd.get("scope")) if w]
    stage: Stage | None = None
    rest = []
    for word in words:
        found = stages.find(word)
        if found is not None and stage is None and not found.closed:
            stage = found
        else:
            rest.append(word)
    scope, owner, _ = _scope(ctx, rest)
    found_deals, total = deals_in(ctx.session, ctx.user, owner=owner, stage=stage)
    if not found_deals:
        return Reply(text=ctx.t("pipeline:no_deals", stage=stage.name(ctx.lang) if stage else None), ok=False)
    amounts = ctx.incoming.is_direct  # a text reply cannot be redacted: amounts only in a private conversation
    lines = []
    for deal, customer in found_deals:
        value = weighted(deal, stages)
        lines.append(str(ctx.t(
            "pipeline:deal_line", ref=deal_ref(deal), title=deal.title, customer=customer.name,
            stage=stages.get(deal.stage).name(ctx.lang),
            amount=format_money(deal.amount, deal.currency) if amounts and deal.amount is not None else None,
            weighted=format_money(value, deal.currency) if amounts and value is not None else None,
            close=deal.expected_close.isoformat() if deal.expected_close else None,
            overdue=deal.expected_close is not None and deal.expected_close < ctx.today)))
    return Reply(text=ctx.t("pipeline:deals", scope=_scope_label(ctx, scope, owner),
                            stage=stage.name(ctx.lang) if stage else None, lines=Markdown("\n".join(lines)),
                            shown=len(found_deals), total=total))


SPECS = (
    CommandSpec(
        name="pipeline",
        aliases=("漏斗", "销售漏斗", "funnel", "商机漏斗"),
        summary={"en": "the funnel: per stage count, amount and weighted amount; forecast by close month",
                 "zh": "销售漏斗：各阶段的商机数、金额和加权金额；按预计成交月份的预测"},
        handler=_pipeline,
        args=(Arg("scope", ArgKind.WORD, required=False, max_length=80),
              Arg("period", ArgKind.WORD, required=False, max_length=20)),
        examples=("pipeline", "pipeline team quarter", "pipeline alice month", "漏斗 我的 本月"),
        writes=False,
    ),
    CommandSpec(
        name="deals",
        aliases=("商机列表", "我的商机"),
        summary={"en": "open deals, soonest close first; name a stage and a scope to narrow it",
                 "zh": "进行中的商机，按预计成交日期排序；可指定阶段和范围"},
        handler=_deals,
        args=(Arg("stage", ArgKind.WORD, required=False, max_length=80),
              Arg("scope", ArgKind.WORD, required=False, max_length=80)),
        examples=("deals", "deals proposal team", "商机列表 方案报价"),
        writes=False,
    ),
)
