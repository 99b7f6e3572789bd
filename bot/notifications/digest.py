"""Rendering a manager's digest, split into pages that fit the target platform's message limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from bot.notifications import kinds
from bot.notifications.claim import ClaimedNotification
from bot.notifications.digest_data import DigestData, gather_digest
from bot.notifications.notices import Notice, ObsoleteNotification, RenderContext
from bot.pipeline.stages import stage_registry
from bot.render import Markdown, t
from bot.services.money import format_money
from bot.text.paging import paginate
from storage.models import DigestSubscription, User

KindTitle = Callable[[str, str], str]  # (kind, lang) -> what people call it; the catalog's `kind_title`


def render_digest(ctx: RenderContext, row: ClaimedNotification, kind_title: KindTitle) -> Notice:
    """The digest `row` stands for, gathered now, as one or more pages (never rolled into a summary).

    `kind_title` names the kinds of dead and skipped notices; the catalog passes its own (it imports this
    module, so it cannot be imported from here)."""
    period = "weekly" if row.kind == kinds.DIGEST_WEEKLY else "daily"
    manager = ctx.session.get(User, row.subject_id)
    if manager is None or manager.deactivated_at is not None:
        raise ObsoleteNotification("manager deactivated")
    enabled = ctx.session.execute(
        select(DigestSubscription.enabled).where(
            DigestSubscription.manager_id == manager.id, DigestSubscription.kind == period
        )
    ).scalar_one_or_none()
    if enabled is False:
        raise ObsoleteNotification(f"{period} digest turned off")
    data = gather_digest(ctx.session, manager, period=period, now=ctx.now, tz=ctx.recipient.tz,
                         stuck_after_days=ctx.settings.pipeline.stuck_after_days)
    stages = stage_registry(ctx.settings)
    lines = digest_lines(ctx.lang, data, kind_title, stage_name=lambda key: stages.get(key).name(ctx.lang))
    pages = paginate(lambda page, pages: _title(ctx, data, page, pages), lines,
                     limit=ctx.page_chars)
    replies = tuple(ctx.reply(page) for page in pages)
    line = t("notifications_digest:summary_line", ctx.lang, period=period, day=data.end.isoformat())
    return Notice(row.kind, line, replies, rollable=False)


def _title(ctx: RenderContext, data: DigestData, page: int, pages: int) -> str:
    return t("notifications_digest:title", ctx.lang, period=data.period, start=data.start.isoformat(),
             end=data.end.isoformat(), page=page, pages=pages)


def digest_lines(lang: str, data: DigestData, kind_title: KindTitle, *,
                 stage_name: Callable[[str], str] = str) -> list[str]:
    """The digest body, one markdown line per entry (headings are lines too); `kind_title` names kinds,
    `stage_name` a deal's stage."""

    def say(key: str, **params: object) -> Markdown:
        return t(f"notifications_digest:{key}", lang, **params)

    lines: list[str] = [say("followups_heading", count=sum(n for _, n in data.followups_per_rep))]
    lines += [say("rep_line", rep=rep, count=n) for rep, n in data.followups_per_rep] or [say("nothing")]
    sections: list[tuple[str, object, Iterable[str]]] = [
        ("new_customers_heading", data.new_customers,
         (say("customer_line", id=i, customer=name, owner=owner) for i, name, owner in data.new_customers.items)),
        ("overdue_heading", data.overdue_followups,
         (say("overdue_line", id=i, customer=name, owner=owner, step=step, due=due.isoformat() if due else "")
          for i, name, owner, step, due in data.overdue_followups.items)),
        ("at_risk_heading", data.at_risk,
         (say("at_risk_line", id=i, customer=name, level=level, silence=silence, ratio=ratio)
          for i, name, level, silence, ratio in data.at_risk.items)),
        ("payments_heading", data.overdue_payments,
         (say("payment_line", order=i, customer=name, owner=owner, amount=format_money(amount, currency),
              due=due.isoformat()) for i, name, owner, amount, currency, due in data.overdue_payments.items)),
        ("birthdays_heading", data.birthdays,
         (say("birthday_line", contact=contact, customer=customer, day=day.isoformat())
          for contact, customer, day in data.birthdays.items)),
        ("dead_heading", data.dead_letters,
         (say("dead_line", id=i, kind_title=kind_title(kind, lang), recipient=who, reason=reason)
          for i, kind, who, reason in data.dead_letters.items)),
    ]
    if data.stalled_deals.total:  # only when some deal waits for a decision
        sections.append(("deals_heading", data.stalled_deals,
                         (say("deal_line", ref=f"D{i}", title=title, customer=customer, owner=owner,
                              stage=stage_name(stage), days=days, close=close.isoformat() if close else None,
                              past=past)
                          for i, title, customer, owner, stage, days, close, past in data.stalled_deals.items)))
    if data.duplicates.total:  # weekly: new likely duplicates, each with the command that merges it
        sections.append(("duplicates_heading", data.duplicates,
                         (say("duplicate_line", keep_id=k, keep=keep, drop_id=d, drop=drop, reason=reason)
                          for k, keep, d, drop, reason in data.duplicates.items)))
    if data.deactivated_books.total:  # only when someone's book waits for a handover
        sections.append(("deactivated_heading", data.deactivated_books,
                         (say("deactivated_line", rep=who, customers=customers, steps=steps)
                          for who, customers, steps in data.deactivated_books.items)))
    if data.contracts_ending.total:  # only for teams that record contracts
        value = ", ".join(format_money(total, currency) for currency, total in data.contracts_value)
        lines.append(say("contracts_heading", count=data.contracts_ending.total, value=value))
        lines += [say("contract_line", ref=f"C{i}", customer=name, owner=owner, title=title,
                      amount=format_money(amount, currency) if amount is not None else None, day=day.isoformat())
                  for i, name, owner, title, amount, currency, day in data.contracts_ending.items]
        if data.contracts_ending.total > len(data.contracts_ending.items):
            lines.append(say("more", count=data.contracts_ending.total - len(data.contracts_ending.items)))
    for heading, listed, entries in sections:
        lines.append(say(heading, count=listed.total))  # type: ignore[attr-defined]
        shown = list(entries)
        lines += shown or [say("nothing")]
        hidden = listed.total - len(shown)  # type: ignore[attr-defined]
        if hidden > 0:
            lines.append(say("more", count=hidden))
    if data.tickets is not None and (data.tickets.open or data.tickets.closed):
        figures = data.tickets
        median = None if figures.median_hours is None else round(figures.median_hours, 1)
        lines.append(say("tickets_heading", open=figures.open, overdue=figures.overdue))
        lines.append(say("tickets_line", open=figures.open, overdue=figures.overdue, closed=figures.closed,
                         median=median))
    if data.campaigns:
        lines.append(say("campaigns_heading", count=len(data.campaigns)))
        lines += [say("campaign_line", name=name, done=done, open=open_, overdue=late)
                  for name, done, open_, late in data.campaigns]
    if data.skipped:  # not failures, but nothing goes unsent without the manager hearing of it
        lines.append(say("skipped_heading", count=sum(n for _, _, n in data.skipped)))
        lines += [say("skipped_line", kind_title=kind_title(kind, lang), why=why, count=n) for kind, why, n in data.skipped]
    return lines

