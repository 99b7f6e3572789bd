"""The deal card (``show D<n>``) and the deals section of the customer card."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

import bot.pipeline.actions  # noqa: F401  (declares the buttons used below)
from bot.actions import button
from bot.context import CommandContext
from bot.messages import Card, CardAction, CardField
from bot.pipeline.deals import customer_deals, deal_ref, stage_history, weighted
from bot.pipeline.stages import LOST, WON, stage_registry
from bot.render import Markdown, escape_md
from bot.services.money import format_money
from bot.text.when import When, format_when
from storage.models import Customer, Opportunity, Order, User


def _day(ctx: CommandContext, day: date) -> str:
    return format_when(When(local_date=day, local_time=None, tz=ctx.tz), ctx.lang, today=ctx.today)


def deal_card(ctx: CommandContext, deal: Opportunity, customer: Customer) -> Card:
    """A deal's card in the asker's language: customer, owner, stage and probability, amount and weighted
    value (sensitive), expected close, its stage history and the buttons that move it on."""
    stages = stage_registry(ctx.settings)
    stage = stages.get(deal.stage)
    owner = ctx.session.get(User, deal.owner_id)
    fields = [
        CardField(ctx.t("deals:label_customer"), f"{escape_md(customer.name)} (#{customer.id})"),
        CardField(ctx.t("label_owner"), escape_md(owner.display_name or owner.name) if owner else "?"),
        CardField(ctx.t("deals:label_stage"), f"{escape_md(stage.name(ctx.lang))} · {stage.probability}%"),
    ]
    if deal.amount is not None:
        fields.append(CardField(ctx.t("deals:label_amount"), format_money(deal.amount, deal.currency), sensitive=True))
        value = weighted(deal, stages)
        if deal.status == "open" and value is not None:
            fields.append(CardField(ctx.t("deals:label_weighted"), format_money(value, deal.currency), sensitive=True))
    if deal.expected_close is not None:
        close = _day(ctx, deal.expected_close)
        if deal.status == "open" and deal.expected_close < ctx.today:
            close += f" ({ctx.t('overdue')})"
        fields.append(CardField(ctx.t("deals:label_close"), close))
    sections: list[tuple[str, str]] = []
    history = stage_history(ctx.session, deal)
    lines = []
    for visit in history:
        entered = visit.entered_at.astimezone(ctx.tz).date()
        end = (visit.left_at.astimezone(ctx.tz).date() if visit.left_at else ctx.today)
        days = None if stages.get(visit.stage).closed else (end - entered).days
        lines.append("- " + str(ctx.t("deals:history_line", day=entered.isoformat(),
                                          stage=stages.get(visit.stage).name(ctx.lang), days=days,
                                          current=visit.left_at is None)))
    sections.append((ctx.t("deals:label_history"), Markdown("\n".join(lines))))
    if deal.status == LOST and deal.lost_reason:
        sections.append((ctx.t("deals:label_reason"), escape_md(deal.lost_reason)))
    if deal.status == WON:
        order_id = ctx.session.exec(select(Order.id).where(Order.deal_id == deal.id)).first()
        if order_id is not None:
            sections.append((ctx.t("deals:label_order"), Markdown(f"#{order_id}")))
    card = Card(
        title=f"{deal_ref(deal)} {escape_md(deal.title)}",
        subtitle=escape_md(customer.name),
        fields=tuple(fields),
        sections=tuple(sections),
        actions=_actions(ctx, deal),
        customer_id=customer.id,
    )
    return card


def _actions(ctx: CommandContext, deal: Opportunity) -> tuple[CardAction, ...]:
    """Buttons: the next stage, won, lost (the reason to type); a won deal without order offers to record it."""
    stages = stage_registry(ctx.settings)
    lang = ctx.lang
    if deal.status == WON:
        return (button(lang, "deal_order", deal=deal.id),)
    if deal.status == LOST:
        return (button(lang, "deal_reopen", deal=deal.id, stage=stages.first.name(lang)),)
    actions = []
    following = stages.after(stages.get(deal.stage))
    if following is not None:
        actions.append(button(lang, "deal_next", deal=deal.id, stage=following.name(lang),
                              label=ctx.t("deals:action_next", stage=following.name(lang))))
    actions.append(button(lang, "deal_won", deal=deal.id))
    actions.append(button(lang, "deal_lost", deal=deal.id))
    return tuple(actions)


def deals_section(ctx: CommandContext, customer: Customer, *, shared: bool) -> Markdown | None:
    """The customer card's open deals; a shared card leaves their amounts out."""
    deals = customer_deals(ctx.session, customer)
    if not deals:
        return None
    stages = stage_registry(ctx.settings)
    lines = []
    for deal in deals:
        stage = stages.get(deal.stage)
        parts = [f"**{deal_ref(deal)}** {escape_md(deal.title)}", f"{escape_md(stage.name(ctx.lang))} {stage.probability}%"]
        if deal.amount is not None and not shared:
            parts.append(format_money(deal.amount, deal.currency))
        if deal.expected_close is not None:
            parts.append(str(ctx.t("deals:closes", day=_day(ctx, deal.expected_close))))
        lines.append("- " + " · ".join(parts))
    return Markdown("\n".join(lines))
