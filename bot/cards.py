"""Building the customer card (客户资料卡) shown by `show`, `share` and the platforms' buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, cast, literal, null, union_all
from sqlmodel import Session, func, or_, select

from bot.actions import button
from bot.calendar.churn import ChurnAssessment, assess_churn, explain_churn
from bot.context import CommandContext
from bot.messages import Card, CardAction, CardField
from bot.pipeline.cards import deals_section
from bot.purchase_card import purchase_sections
from bot.render import Markdown, escape_md
from bot.services.credit import assess_orders, credit_fields
from bot.services.loyalty import level_for
from bot.services.purchase_history import (
    EMPTY_HISTORY,
    contract_source,
    history_from,
    latest_orders_source,
    totals_source,
)
from bot.services.surveys import latest_answers, summary_of
from bot.text.when import When, format_when
from storage.models import (
    Contact,
    Customer,
    FollowUp,
    LoyaltyAccount,
    Opportunity,
    Order,
    Satisfaction,
    Ticket,
    User,
)

RECENT_FOLLOWUPS = 5
# A card shows the start of each recent follow-up (the card stays one readable message on every platform);
# the Details button shows them in full (`followups`).
FOLLOWUP_PREVIEW_CHARS = 280
CHURN_WINDOW_DAYS = 730
DEFAULT_POPULATION_GAP = 30.0


def customer_card(ctx: CommandContext, customer: Customer, *, shared: bool = False, new: bool = False) -> Card:
    """The card for `customer` in the asker's language; `shared` leaves out sensitive fields entirely. A `new`
    customer, created by this very command, has no history, contacts, answers or deals yet: nothing is read for them
    (four round trips saved on every `new`)."""
    session = ctx.session
    owner = session.get(User, customer.owner_id)
    fields = [
        CardField(ctx.t("label_owner"), escape_md(owner.display_name or owner.name) if owner else "?"),
        CardField(ctx.t("label_tier"), ctx.t("tier_name", tier=customer.tier)),
        CardField(ctx.t("label_stage"), ctx.t("stage_name", stage=customer.stage)),
    ]
    if customer.phone:
        fields.append(CardField(ctx.t("label_phone"), escape_md(customer.phone), sensitive=True))
    if customer.email:
        fields.append(CardField(ctx.t("label_email"), escape_md(customer.email), sensitive=True))
    if customer.industry:
        fields.append(CardField(ctx.t("label_industry"), escape_md(customer.industry)))
    if customer.region:
        fields.append(CardField(ctx.t("label_region"), escape_md(customer.region)))
    tags = [t for t in customer.tags.split(",") if t]
    if tags:
        fields.append(CardField(ctx.t("label_tags"), escape_md(", ".join(tags))))
    fields.append(CardField(ctx.t("label_next"), _next_step(ctx, customer)))
    fields.append(CardField(ctx.t("label_last_contact"), _last_contact(ctx, customer)))
    facts = _Facts([], [], []) if new else _facts(session, customer, since=_window_start(ctx.today), today=ctx.today)
    level = level_for(facts.balance, ctx.settings, ctx.lang)
    if facts.balance or level:  # member level and points (积分)
        fields.append(CardField(ctx.t("loyalty:card_label"), ctx.t("loyalty:card_value", balance=facts.balance,
                                                                     level=level)))
    satisfaction = _satisfaction(ctx, facts.answers)
    if satisfaction:
        fields.append(CardField(ctx.t("surveys:card_label"), satisfaction))

    history = (_History([], [], set(), orders=[], open_tickets=0, open_deals=0) if new
               else _history(session, customer, today=ctx.today, orders=facts.orders))
    fields[3:3] = credit_fields(ctx, assess_orders(history.orders, today=ctx.today, tz=ctx.tz))
    sections: list[tuple[str, str]] = [(ctx.t("label_followups"), _recent_followups(ctx, history.recent))]
    contacts = _contacts(ctx, customer, facts.contacts, shared=shared)
    if contacts:
        sections.append((ctx.t("label_contacts"), contacts))
    deals = deals_section(ctx, customer, shared=shared) if history.open_deals != 0 else None
    if deals:
        sections.append((ctx.t("deals:label_deals"), deals))
    purchases = purchase_sections(ctx, customer, facts.purchases, shared=shared)  # value, latest orders, contracts
    sections.extend(purchases.sections)
    if not shared:  # unpaid orders older than the latest ones shown above
        orders = _open_orders(ctx, [o for o in history.open_orders if o.id not in purchases.shown_orders])
        if orders:
            sections.append((ctx.t("label_orders"), orders))
    tickets = _open_tickets(ctx, customer) if history.open_tickets != 0 else None
    if tickets:
        sections.append((ctx.t("tickets:card_title"), tickets))
    churn = _assess(customer, history.contact_days, today=ctx.today)
    if churn.level:
        sections.append((ctx.t("label_churn"), escape_md(explain_churn(churn, customer=customer.name, lang=ctx.lang))))
    if customer.notes and not shared:
        sections.append((ctx.t("label_notes"), escape_md(customer.notes)))

    card = Card(
        title=escape_md(customer.name),
        subtitle=f"#{customer.id}",
        fields=tuple(fields),
        sections=tuple(sections),
        actions=card_actions(ctx, customer),
        customer_id=customer.id,
    )
    return card.redacted() if shared else card


def card_actions(ctx: CommandContext, customer: Customer) -> tuple[CardAction, ...]:
    """The buttons every card carries; each is a declared action (`bot.actions`) run as the clicking user."""
    return tuple(button(ctx.lang, action, customer=customer.id) for action in ("log", "done", "snooze", "followups"))


def _next_step(ctx: CommandContext, customer: Customer) -> str:
    if customer.next_followup_at is None:
        return ctx.t("none_yet")
    local = customer.next_followup_at.astimezone(ctx.tz)
    when = When(local_date=local.date(), local_time=local.time().replace(tzinfo=None), tz=ctx.tz)
    text = f"{escape_md(customer.next_step or '')} · {format_when(when, ctx.lang)}".strip(" ·")
    if customer.next_followup_at < ctx.now:
        text += f" ({ctx.t('overdue')})"
    return text


def _satisfaction(ctx: CommandContext, answers: list[Any]) -> str | None:
    summary = summary_of(answers)
    if summary is None:
        return None
    return ctx.t("surveys:card_value", latest=summary.latest, top=summary.top, previous=summary.previous,
                 when=summary.answered_at.astimezone(ctx.tz).strftime("%Y-%m-%d"))


def _last_contact(ctx: CommandContext, customer: Customer) -> str:
    if customer.last_contact_at is None:
        return ctx.t("never")
    return customer.last_contact_at.astimezone(ctx.tz).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class _History:
    """What the card shows of a customer's past, read in two statements (a round trip each on PostgreSQL)."""

    recent: list[Any]  # the latest follow-ups: (kind, text, happened_at, display_name, name)
    open_orders: list[Any]  # unpaid, newest first (rows of `_facts`)
    contact_days: set[date]  # days with a follow-up or an order within the churn window
    orders: list[Any]  # unpaid, and the churn window's paid ones: what the credit rating reads
    open_tickets: int | None = None  # None: not counted (no follow-ups to count them with)
    open_deals: int | None = None


def _history(session: Session, customer: Customer, *, today: date, orders: list[Any]) -> _History:
    """The follow-ups of the churn window plus the latest few (also when they are older: a quiet customer's card
    still shows them), in one statement; `orders` are those either in the window or unpaid (`_facts`)."""
    since = _window_start(today)
    live = (FollowUp.customer_id == customer.id, FollowUp.deleted_at.is_(None))
    newest_first = (FollowUp.happened_at.desc(), FollowUp.id.desc())
    latest = select(FollowUp.id).where(*live).order_by(*newest_first).limit(RECENT_FOLLOWUPS)
    # Open tickets and deals are counted in the same statement: the card reads them only when there are some.
    open_tickets = (select(func.count(Ticket.id)).where(Ticket.customer_id == customer.id, Ticket.closed_at.is_(None))
                    .scalar_subquery())
    open_deals = (select(func.count(Opportunity.id))
                  .where(Opportunity.customer_id == customer.id, Opportunity.status == "open",
                         Opportunity.deleted_at.is_(None)).scalar_subquery())
    rows = list(session.exec(
        select(FollowUp.kind, FollowUp.text, FollowUp.happened_at, User.display_name, User.name,
               open_tickets.label("open_tickets"), open_deals.label("open_deals"))
        .join(User, User.id == FollowUp.author_id)
        .where(*live, or_(FollowUp.happened_at >= since, FollowUp.id.in_(latest)))
        .order_by(*newest_first)
    ).all())
    recent = [tuple(row)[:5] for row in rows[:RECENT_FOLLOWUPS]]
    in_window = [row for row in rows if row.happened_at >= since]
    days = {row.happened_at.date() for row in in_window} | {o.ordered_on for o in orders if o.ordered_on >= since.date()}
    return _History(recent=recent, open_orders=[o for o in orders if o.paid_at is None][:5], contact_days=days,
                    open_tickets=rows[0].open_tickets if rows else None,
                    open_deals=rows[0].open_deals if rows else None,
                    orders=orders)


@dataclass(frozen=True)
class _Facts:
    """The card's orders (unpaid, or in the churn window; newest first), contacts (in id order) and latest
    satisfaction answers (newest first) and points balance, read by `_facts` in one statement."""

    orders: list[Any]
    contacts: list[Any]
    answers: list[Any]
    purchases: Any = EMPTY_HISTORY  # value per currency, latest orders, live contracts (`purchase_history`)
    balances: list[int] = field(default_factory=list)  # the loyalty points (积分) balance, when there is one

    @property
    def balance(self) -> int:
        return self.balances[0] if self.balances else 0


# One row layout for the three: (tag, id, amount, s1…s4, d1, d2, at, n1…n3, f1, f2), typed as the first branch
# says (the result's types come from it), so every value comes back as its column's Python type.
_LAYOUT = (("id", Integer), ("amount", Numeric(14, 2)), ("s1", String), ("s2", String), ("s3", String),
           ("s4", String), ("d1", Date), ("d2", Date), ("at", DateTime), ("n1", Integer), ("n2", Integer),
           ("n3", Integer), ("f1", Boolean), ("f2", Boolean), ("amount2", Numeric(14, 2)))


def _branch(tag: str, source: Any, **columns: Any) -> Any:
    picked = [literal(tag, String).label("tag")]
    picked += [(columns[name] if name in columns else cast(null(), kind)).label(name) for name, kind in _LAYOUT]
    inner = source.with_only_columns(*picked).subquery()
    return select(*inner.c)


def _facts(session: Session, customer: Customer, *, since: datetime, today: date) -> _Facts:
    """Orders, contacts and satisfaction answers of the card in one statement (a round trip each on
    PostgreSQL otherwise): a UNION ALL of the three reads, each keeping its own order and limit."""
    orders = (select(Order.id).where(Order.customer_id == customer.id, Order.deleted_at.is_(None),
                                     or_(Order.paid_at.is_(None), Order.ordered_on >= since.date()))
              .order_by(Order.ordered_on.desc(), Order.id.desc()))
    contacts = (select(Contact.id).where(Contact.customer_id == customer.id, Contact.deleted_at.is_(None))
                .order_by(Contact.id))
    answers = latest_answers(customer.id)
    totals, contracts = totals_source(customer.id, today=today), contract_source(customer.id, today=today)
    statement = union_all(
        _branch("o", orders, id=Order.id, amount=Order.amount, s1=Order.currency, s2=Order.items,
                d1=Order.ordered_on, d2=Order.payment_due, at=Order.paid_at),
        _branch("c", contacts, id=Contact.id, s1=Contact.name, s2=Contact.title, s3=Contact.phone,
                s4=Contact.email, n1=Contact.birthday_month, n2=Contact.birthday_day, n3=Contact.birthday_year,
                f1=Contact.birthday_is_lunar, f2=Contact.birthday_is_leap_month),
        _branch("s", answers, id=Satisfaction.id, s1=Satisfaction.scale, at=Satisfaction.created_at,
                n1=Satisfaction.score),
        # The purchase history: the latest orders, the value figures per currency, the live contracts.
        _branch("l", latest_orders_source(customer.id), id=Order.id, amount=Order.amount, s1=Order.currency,
                s2=Order.items, d1=Order.ordered_on, d2=Order.payment_due, at=Order.paid_at),
        _branch("a", totals[0], **totals[1]),
        _branch("k", contracts[0], **contracts[1]),
        _branch("p", select(LoyaltyAccount.customer_id).where(LoyaltyAccount.customer_id == customer.id),
                id=LoyaltyAccount.customer_id, n1=LoyaltyAccount.balance),
    )
    rows = list(session.execute(statement))
    found = _Facts([], [], [], history_from([r for r in rows if r.tag in ("l", "a", "k")]))
    for row in rows:
        if row.tag in ("l", "a", "k"):
            continue
        if row.tag == "o":
            found.orders.append(SimpleNamespace(id=row.id, amount=row.amount, currency=row.s1, items=row.s2,
                                                ordered_on=row.d1, payment_due=row.d2, paid_at=row.at))
        elif row.tag == "c":
            found.contacts.append(SimpleNamespace(
                id=row.id, name=row.s1, title=row.s2, phone=row.s3, email=row.s4, birthday_month=row.n1,
                birthday_day=row.n2, birthday_year=row.n3, birthday_is_lunar=bool(row.f1),
                birthday_is_leap_month=bool(row.f2)))
        elif row.tag == "p":
            found.balances.append(row.n1 or 0)
        else:
            found.answers.append(SimpleNamespace(id=row.id, score=row.n1, scale=row.s1, created_at=row.at))
    found.orders.sort(key=lambda o: (o.ordered_on, o.id), reverse=True)
    found.contacts.sort(key=lambda c: c.id)
    found.answers.sort(key=lambda a: (a.created_at, a.id), reverse=True)
    return found


def _recent_followups(ctx: CommandContext, rows: list[Any]) -> Markdown:
    if not rows:
        return ctx.t("none_yet")
    lines = []
    for kind, text, happened_at, display, name in rows:
        day = happened_at.astimezone(ctx.tz).strftime("%m-%d")
        lines.append(f"- {day} {ctx.t('kind_name', kind=kind)} · {escape_md(display or name)}: {_preview(ctx, text)}")
    return Markdown("\n".join(lines))


def _preview(ctx: CommandContext, text: str) -> str:
    """A follow-up's text on one line, cut to `FOLLOWUP_PREVIEW_CHARS` with "… more" when it is longer."""
    flat = " ".join(text.split())
    if len(flat) <= FOLLOWUP_PREVIEW_CHARS:
        return escape_md(flat)
    return f"{escape_md(flat[:FOLLOWUP_PREVIEW_CHARS].rstrip())} {ctx.t('card_more')}"


def _contacts(ctx: CommandContext, customer: Customer, contacts: list[Any], *, shared: bool) -> Markdown | None:
    from bot.calendar.birthdays import Birthday, format_birthday

    if not contacts:
        return None
    lines = []
    for contact in contacts[:10]:
        parts = [f"**{escape_md(contact.name)}**"]
        if contact.title:
            parts.append(escape_md(contact.title))
        if not shared:
            parts.extend(escape_md(v) for v in (contact.phone, contact.email) if v)
        if contact.birthday_month and contact.birthday_day:
            birthday = Birthday(
                month=contact.birthday_month,
                day=contact.birthday_day,
                is_lunar=contact.birthday_is_lunar,
                is_leap_month=contact.birthday_is_leap_month,
                year=contact.birthday_year,
            )
            parts.append("🎂 " + escape_md(format_birthday(birthday, ctx.lang)))
        lines.append("- " + " · ".join(parts))
    if not shared:
        lines.append(ctx.t("contacts:remove_hint", id=customer.id))
    return Markdown("\n".join(lines))


def _open_orders(ctx: CommandContext, orders: list[Any]) -> Markdown | None:
    if not orders:
        return None
    lines = []
    for order in orders:
        due = ""
        if order.payment_due:
            due = f" · due {order.payment_due.isoformat()}" if ctx.lang == "en" else f" · 回款期 {order.payment_due.isoformat()}"
            if order.payment_due < ctx.today:
                due += f" ({ctx.t('overdue')})"
        lines.append(f"- #{order.id} {order.currency} {order.amount:,.2f} · {order.ordered_on.isoformat()}{due}")
    return Markdown("\n".join(lines))


def _open_tickets(ctx: CommandContext, customer: Customer) -> Markdown | None:
    from bot.services.tickets import customer_open_tickets

    lines = []
    for ticket in customer_open_tickets(ctx.session, customer.id):
        local = ticket.due_at.astimezone(ctx.tz)
        due = format_when(When(local.date(), local.time().replace(tzinfo=None), ctx.tz), ctx.lang, today=ctx.today)
        lines.append("- " + ctx.t("tickets:card_line", id=ticket.id, priority=ticket.priority, text=ticket.text, due=due,
                                  overdue=ticket.due_at < ctx.now))
    return Markdown("\n".join(lines)) if lines else None


def churn_of(session: Session, customer: Customer, *, today: date) -> ChurnAssessment:
    """The rhythm-ratio churn assessment of one customer (contact days from follow-ups and orders)."""
    since = _window_start(today)
    rows = session.exec(
        select(FollowUp.happened_at).where(
            FollowUp.customer_id == customer.id, FollowUp.deleted_at.is_(None), FollowUp.happened_at >= since
        )
    ).all()
    order_days = session.exec(
        select(Order.ordered_on).where(
            Order.customer_id == customer.id, Order.deleted_at.is_(None), Order.ordered_on >= since.date()
        )
    ).all()
    return _assess(customer, {at.date() for at in rows} | set(order_days), today=today)


def _window_start(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=CHURN_WINDOW_DAYS), datetime.min.time(), tzinfo=UTC)


def _assess(customer: Customer, days: set[date], *, today: date) -> ChurnAssessment:
    return assess_churn(
        contact_days=len(days),
        first_contact=min(days, default=None),
        last_contact=max(days, default=None),
        today=today,
        population_gap_days=DEFAULT_POPULATION_GAP,
        created=customer.created_at.date(),  # a lead never contacted since creation goes quiet too
    )
