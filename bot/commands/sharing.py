"""Team-facing commands: `share` a card into the channel, the managers' `report` and `digest` subscription."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from bot.cards import customer_card
from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.messages import Reply
from bot.render import Markdown
from bot.reports.breakdown import book_breakdown
from bot.services.money import format_money
from bot.services.reports import team_report
from storage.models import Customer, DigestSubscription

MANAGERS = frozenset({"manager", "admin"})
# Choice words double as the usage line, so each list stays short: English, then Chinese.
PERIOD_WORDS = {"week": "week", "month": "month", "本周": "week", "本月": "month"}
DIGEST_KINDS = {"daily": "daily", "weekly": "weekly", "每日": "daily", "每周": "weekly"}
DIGEST_PLACES = {"here": "here", "off": "off", "dm": "dm", "这里": "here", "关闭": "off", "私聊": "dm"}


def _share(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = cmd.get("customer")
    ctx.audit("share", "customer", customer.id,
              after={"platform": ctx.incoming.platform, "channel": ctx.incoming.channel})
    return Reply(card=customer_card(ctx, customer, shared=True), private=False, share_customer_id=customer.id)


def _amounts(amounts: dict[str, Decimal]) -> str:
    return "; ".join(format_money(amount, currency) for currency, amount in amounts.items())


def _report(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    period = PERIOD_WORDS[cmd.get("period") or "week"]
    report = team_report(ctx.session, ctx.user, period=period, now=ctx.now, tz=ctx.tz)
    text = ctx.t("sharing:report", report=report, totals=report.totals, amounts=_amounts)
    return Reply(text=Markdown(f"{text}\n\n{book_breakdown(ctx)}"))


def _digest(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    kind = DIGEST_KINDS[cmd.get("kind")]
    place = DIGEST_PLACES[cmd.get("where") or "dm"]
    incoming = ctx.incoming
    if place == "here" and not incoming.is_direct:
        target = f"{incoming.platform}:{incoming.workspace}:{incoming.channel}"
    else:
        target = "dm"  # "here" in a DM with the bot is the DM itself
    subscription = ctx.session.exec(
        select(DigestSubscription).where(DigestSubscription.manager_id == ctx.user.id,
                                         DigestSubscription.kind == kind)
    ).first()
    before = None if subscription is None else {"target": subscription.target, "enabled": subscription.enabled}
    if subscription is None:
        subscription = DigestSubscription(manager_id=ctx.user.id, kind=kind, target=target)
    if place == "off":
        subscription.enabled = False
    else:
        subscription.target, subscription.enabled = target, True
    subscription.updated_at = ctx.now
    ctx.session.add(subscription)
    ctx.session.flush()
    ctx.audit("update" if before else "create", "digest_subscription", subscription.id, before=before,
              after={"kind": kind, "target": subscription.target, "enabled": subscription.enabled})
    return Reply(text=ctx.t("sharing:digest_set", kind=kind, enabled=subscription.enabled,
                            in_channel=subscription.target != "dm"))


SPECS = (
    CommandSpec(
        name="share",
        aliases=("分享", "共享", "post"),
        summary={"en": "post the customer card here (no phone, email or amounts); its thread is the discussion",
                 "zh": "把客户卡片发到当前群（不含电话、邮箱和金额），在其话题中讨论"},
        handler=_share,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        examples=("share Acme", "分享 #12"),
    ),
    CommandSpec(
        name="report",
        aliases=("报表", "团队报表", "stats"),
        summary={"en": "per-rep figures for your teams over the last week or month",
                 "zh": "团队每位销售最近一周或一个月的数据"},
        handler=_report,
        args=(Arg("period", ArgKind.CHOICE, required=False, choices=tuple(PERIOD_WORDS)),),
        examples=("report", "report month", "报表 本月"),
        writes=False,
        roles=MANAGERS,
    ),
    CommandSpec(
        name="digest",
        aliases=("订阅", "摘要"),
        summary={"en": "where your daily / weekly digest goes: your DM, this channel (here), or off",
                 "zh": "设置每日 / 每周摘要发到哪里：私聊、当前群（这里）或关闭"},
        handler=_digest,
        args=(
            Arg("kind", ArgKind.CHOICE, choices=tuple(DIGEST_KINDS)),
            Arg("where", ArgKind.CHOICE, required=False, choices=tuple(DIGEST_PLACES)),
        ),
        examples=("digest daily", "digest weekly here", "订阅 每周 这里", "digest daily off"),
        roles=MANAGERS,
    ),
)
