"""Rendering claimed outbox rows into what is sent: a `Notice` in the recipient's language.

Subjects are read at send time, so a customer renamed since the enqueue shows its new name. Each kind's
`NoticeRenderer` has three parts: `load` reads the subjects of many rows with ONE set-based column query
(``catalog.load_subjects`` runs it once per kind for a whole claimed batch), `check` raises
`ObsoleteNotification` for a subject that no longer needs the push (step done, order paid, contact deleted;
the row is not sent), and `render` makes the notice from the loaded row. `check` runs without rendering, for
the rows a summary only counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from bot.actions import button
from bot.calendar.birthdays import Birthday, age_on, format_birthday
from bot.calendar.churn import explain_churn
from bot.messages import Card, Reply
from bot.notifications import kinds
from bot.notifications.claim import ClaimedNotification
from bot.notifications.enqueue_churn import assessment_from_payload
from bot.notifications.routing import Recipient
from bot.render import Markdown, pick_language, t
from bot.services.loyalty import level_for
from bot.services.money import format_money
from bot.text.when import When, format_when
from config.settings import Settings
from storage.models import Contact, Customer, FollowUp, LoyaltyAccount, Order, Reminder, User


class ObsoleteNotification(Exception):
    """The occasion no longer calls for a push; the message says why (kept as the row's reason)."""


@dataclass(frozen=True)
class Notice:
    """A rendered notification: its one-line form for summaries, and the replies sent when alone."""

    kind: str
    line: Markdown
    replies: tuple[Reply, ...]
    rollable: bool = True  # digests are already summaries and always go out on their own


@dataclass(frozen=True)
class RenderContext:
    """What a renderer may use: the session, settings, the tick's instant, the recipient, the audience."""

    session: Session
    settings: Settings
    now: datetime
    recipient: Recipient
    public: bool = False  # a channel post rather than a DM
    page_chars: int = 3000  # longest message the target platform takes (digests split into pages)
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        """The recipient's language."""
        return pick_language(self.recipient.language)

    @property
    def today(self) -> date:
        """Today in the recipient's zone."""
        return self.now.astimezone(self.recipient.tz).date()

    def t(self, key: str, **params: object) -> Markdown:
        """A macro of ``notifications.j2`` in the recipient's language."""
        return t(f"notifications:{key}", self.lang, **params)

    def reply(self, text: str, card: Card | None = None) -> Reply:
        """A push: private in a DM, public in a channel, carrying the outbox ids it delivers."""
        return Reply(text=text, card=card, private=not self.public, lang=self.lang, extras=dict(self.extras))

    def customer_card(self, customer_id: int, name: str, *, log: bool = True, done: bool = False,
                      snooze: bool = False, pause: bool = False) -> Card:
        """A small card whose buttons run ordinary commands as the clicking user.

        `snooze` pushes the open step by a day; `pause` runs a bare `snooze`, which without an open step
        pauses churn warnings for the command's default period (a one-day pause of a weekly warning is moot).
        """
        ref = f"#{customer_id}"
        actions = []
        if done:
            actions.append(button(self.lang, "done", customer=customer_id, style="primary"))
        if snooze:
            actions.append(button(self.lang, "snooze", customer=customer_id))
        if pause:
            actions.append(button(self.lang, "pause", customer=customer_id))
        if log:
            actions.append(button(self.lang, "log", customer=customer_id))
        actions.append(button(self.lang, "details", customer=customer_id, label=self.t("action_show")))
        return Card(title=name, subtitle=ref, actions=tuple(actions), customer_id=customer_id)


Subject = Any  # one loaded row of a kind's subject query (a SQLAlchemy Row), None when the subject is gone
Loader = Callable[[Session, Sequence[int]], dict[int, Subject]]
Checker = Callable[[ClaimedNotification, Subject], None]
SubjectRenderer = Callable[[RenderContext, ClaimedNotification, Subject], Notice]


@dataclass(frozen=True)
class NoticeRenderer:
    """How one kind is rendered: `load` reads the subjects of many rows at once, `check` raises
    `ObsoleteNotification` for a row that no longer needs its push, `render` makes the notice.

    Called as ``renderer(ctx, row)`` it renders one row with its subject read on its own.
    """

    load: Loader
    check: Checker
    render: SubjectRenderer
    rollable: bool = True  # digests are already summaries and always go out on their own

    def __call__(self, ctx: RenderContext, row: ClaimedNotification) -> Notice:
        found = self.load(ctx.session, [row.subject_id]).get(row.subject_id)
        self.check(row, found)
        return self.render(ctx, row, found)


def whole(render: Callable[[RenderContext, ClaimedNotification], Notice]) -> NoticeRenderer:
    """A renderer that reads and checks what it needs itself (the digest: a few per pass, one per manager)."""
    return NoticeRenderer(_load_nothing, _check_nothing, lambda ctx, row, _found: render(ctx, row), rollable=False)


def by_id(session: Session, statement: Any, ids: Sequence[int]) -> dict[int, Subject]:
    """The rows of a subject query (selecting ``subject_id`` and filtering on `IDS`) keyed by subject id."""
    return {found.subject_id: found for found in session.execute(statement, {"ids": list(ids)})}


_by_id = by_id
IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_IDS = IDS


def when_text(ctx: RenderContext, instant: datetime | None, day: date, has_time: bool) -> str:
    """When something falls due, in the recipient's zone and language."""
    return _when_text(ctx, instant, day, has_time)


def _when_text(ctx: RenderContext, instant: datetime | None, day: date, has_time: bool) -> str:
    tz = ctx.recipient.tz
    if has_time and instant is not None:
        local = instant.astimezone(tz)
        return format_when(When(local.date(), local.time().replace(tzinfo=None), tz), ctx.lang)
    return format_when(When(day, None, tz), ctx.lang)


def _load_followups(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    owner = aliased(User)
    return _by_id(session, select(
        FollowUp.id.label("subject_id"), FollowUp.next_step, FollowUp.next_due_at, FollowUp.next_due_date,
        FollowUp.next_due_has_time, FollowUp.done_at, FollowUp.deleted_at, Customer.id.label("customer_id"),
        Customer.name, Customer.deleted_at.label("customer_deleted_at"), owner.display_name.label("owner_display"),
        owner.name.label("owner_name"),
    ).join(Customer, Customer.id == FollowUp.customer_id).outerjoin(owner, owner.id == Customer.owner_id)
        .where(FollowUp.id.in_(_IDS)), ids)


def _check_followup_due(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("follow-up or customer deleted")
    if found.done_at is not None:
        raise ObsoleteNotification("follow-up step already done")
    if found.next_due_date != row.due_date:
        raise ObsoleteNotification(f"step moved to {found.next_due_date}")


def _followup_due(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    when = _when_text(ctx, found.next_due_at, found.next_due_date, found.next_due_has_time)
    params = {"customer": found.name, "step": found.next_step, "when": when}
    card = ctx.customer_card(found.customer_id, found.name, done=True, snooze=True)
    return Notice(row.kind, ctx.t("followup_due_line", **params), (ctx.reply(ctx.t("followup_due", **params), card),))


def _load_reminders(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return _by_id(session, select(
        Reminder.id.label("subject_id"), Reminder.text, Reminder.due_at, Reminder.due_date, Reminder.due_has_time,
        Reminder.done_at, Reminder.deleted_at, Reminder.customer_id, Customer.name,
        Customer.deleted_at.label("customer_deleted_at"),
    ).outerjoin(Customer, Customer.id == Reminder.customer_id).where(Reminder.id.in_(_IDS)), ids)


def _check_reminder(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None:
        raise ObsoleteNotification("reminder deleted")
    if found.customer_deleted_at is not None:
        raise ObsoleteNotification("customer deleted")
    if found.done_at is not None:
        raise ObsoleteNotification("reminder already done")


def _reminder_due(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    when = _when_text(ctx, found.due_at, found.due_date, found.due_has_time)
    params = {"text": found.text, "customer": found.name, "when": when}
    # `done`/`snooze` act on the customer's next step, not on this reminder, so the card offers neither.
    card = ctx.customer_card(found.customer_id, found.name) if found.customer_id else None
    return Notice(row.kind, ctx.t("reminder_due_line", **params), (ctx.reply(ctx.t("reminder_due", **params), card),))


def _check_followup_overdue(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("follow-up or customer deleted")
    if found.done_at is not None:
        raise ObsoleteNotification("follow-up step done in the meantime")


def _followup_overdue(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {
        "customer": found.name, "owner": found.owner_display or found.owner_name, "step": found.next_step,
        "due": format_when(When(found.next_due_date, None, ctx.recipient.tz), ctx.lang),
        "days": (ctx.today - found.next_due_date).days,
    }
    card = ctx.customer_card(found.customer_id, found.name, log=True)
    return Notice(row.kind, ctx.t("followup_overdue_line", **params),
                  (ctx.reply(ctx.t("followup_overdue", **params), card),))


def _load_contacts(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return _by_id(session, select(
        Contact.id.label("subject_id"), Contact.name, Contact.birthday_month, Contact.birthday_day,
        Contact.birthday_is_lunar, Contact.birthday_is_leap_month, Contact.birthday_year, Contact.greeting_language,
        Contact.deleted_at, Customer.id.label("customer_id"), Customer.name.label("customer"),
        Customer.deleted_at.label("customer_deleted_at"), LoyaltyAccount.balance.label("points"),
    ).join(Customer, Customer.id == Contact.customer_id)
        .outerjoin(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id).where(Contact.id.in_(_IDS)), ids)


def _check_birthday(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("contact or customer deleted")
    if found.birthday_month is None or found.birthday_day is None:
        raise ObsoleteNotification("birthday removed from the contact")


def _birthday(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    birthday = Birthday(month=found.birthday_month, day=found.birthday_day, is_lunar=found.birthday_is_lunar,
                        is_leap_month=found.birthday_is_leap_month, year=found.birthday_year)
    age = age_on(birthday, row.due_date, feb29_on=ctx.settings.scheduler.feb29_on) if found.birthday_year else None
    contact, customer = found.name, found.customer
    greeting_lang = pick_language(found.greeting_language or ctx.lang)
    text = "\n".join((
        ctx.t("birthday", contact=contact, customer=customer, birthday=format_birthday(birthday, ctx.lang), age=age),
        ctx.t("suggested_greeting", greeting=t("notifications:greeting", greeting_lang, name=contact,
                                               level=level_for(found.points or 0, ctx.settings, greeting_lang))),
    ))
    card = ctx.customer_card(found.customer_id, customer, log=True)
    return Notice(row.kind, ctx.t("birthday_line", contact=contact, customer=customer), (ctx.reply(text, card),))


def _load_customers(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return _by_id(session, select(Customer.id.label("subject_id"), Customer.id, Customer.name, Customer.deleted_at,
                                  Customer.last_contact_at).where(Customer.id.in_(_IDS)), ids)


def _check_churn(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None:
        raise ObsoleteNotification("customer deleted")
    if found.last_contact_at is not None and found.last_contact_at > row.created_at:
        raise ObsoleteNotification("customer contacted since the warning was queued")
    if not row.payload:
        raise ObsoleteNotification("warning has no assessment")


def _churn(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    assessment = assessment_from_payload(row.payload or {})
    reason = explain_churn(assessment, customer=found.name, lang=ctx.lang)
    text = ctx.t("churn", customer=found.name, level=assessment.level, reason=reason)
    line = ctx.t("churn_line", customer=found.name, level=assessment.level, silence=assessment.silence_days)
    return Notice(row.kind, line, (ctx.reply(text, ctx.customer_card(found.id, found.name, pause=True)),))


def _load_orders(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    owner = aliased(User)
    return _by_id(session, select(
        Order.id.label("subject_id"), Order.id, Order.amount, Order.currency, Order.payment_due, Order.paid_at,
        Order.deleted_at, Customer.id.label("customer_id"), Customer.name.label("customer"),
        Customer.deleted_at.label("customer_deleted_at"), owner.display_name.label("owner_display"),
        owner.name.label("owner_name"),
    ).join(Customer, Customer.id == Order.customer_id).join(owner, owner.id == Customer.owner_id)
        .where(Order.id.in_(_IDS)), ids)


def _check_payment(row: ClaimedNotification, found: Subject) -> None:
    if found is None or found.deleted_at is not None or found.customer_deleted_at is not None:
        raise ObsoleteNotification("order or customer deleted")
    if found.paid_at is not None:
        raise ObsoleteNotification("order paid in the meantime")
    if found.payment_due is None:
        raise ObsoleteNotification("payment due date removed")


def _payment(ctx: RenderContext, row: ClaimedNotification, found: Subject) -> Notice:
    params = {
        "customer": found.customer, "amount": format_money(found.amount, found.currency), "order": found.id,
        "due": format_when(When(found.payment_due, None, ctx.recipient.tz), ctx.lang),
        "days": (ctx.today - found.payment_due).days,
    }
    if row.kind == kinds.PAYMENT_ESCALATION:
        params["owner"] = found.owner_display or found.owner_name
        line = ctx.t("payment_escalation_line", **{k: params[k] for k in ("customer", "owner", "amount", "days")})
        text = ctx.t("payment_escalation", **params)
    else:
        line = ctx.t("payment_overdue_line", **{k: params[k] for k in ("customer", "amount", "days")})
        text = ctx.t("payment_overdue", **params)
    return Notice(row.kind, line, (ctx.reply(text, ctx.customer_card(found.customer_id, found.customer, log=True)),))


def _load_nothing(session: Session, ids: Sequence[int]) -> dict[int, Subject]:
    return {}


def _check_nothing(row: ClaimedNotification, found: Subject) -> None:
    """Checked while rendering (a digest's manager and subscription)."""


render_followup_due = NoticeRenderer(_load_followups, _check_followup_due, _followup_due)
render_reminder_due = NoticeRenderer(_load_reminders, _check_reminder, _reminder_due)
render_followup_overdue = NoticeRenderer(_load_followups, _check_followup_overdue, _followup_overdue)
render_birthday = NoticeRenderer(_load_contacts, _check_birthday, _birthday)
render_churn = NoticeRenderer(_load_customers, _check_churn, _churn)
render_payment = NoticeRenderer(_load_orders, _check_payment, _payment)
