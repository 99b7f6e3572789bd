"""Personal reminders and the customer's open next step: `remind`, `done`, `snooze`.

`remind <customer|me> <when> <text>`: the customer argument accepts ``me`` / ``我`` (and the aliases
``提醒我`` / ``remindme`` say it already), so a reminder need not be about a customer.

`snooze` semantics: the duration is read like any date (``1d``, ``2w``, ``明天``, ``friday``) and its
distance from today is the snooze length. It is added to the later of the step's due date and today, so
an overdue step snoozed ``1d`` is due tomorrow and a step due next Monday snoozed ``1d`` is due Tuesday;
the step keeps its time of day (date-only steps fall due at the owner's morning hour). A duration with a
clock time (``2h``, ``friday 15:00``) names the new instant outright. With no open step, `snooze` silences
churn warnings for the customer (``Customer.snoozed_until``), for ``CHURN_SNOOZE_DAYS`` by default.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.commands.spec import Arg, ArgKind, CommandSpec, ParsedCommand
from bot.context import CommandContext
from bot.errors import UserError
from bot.events import CustomerChanged
from bot.messages import Reply
from bot.services.people import morning_hour_of, morning_instant, require_changeable, when_at, zone_of
from bot.text.when import When, format_when
from storage.models import Customer, FollowUp, Reminder, User
from storage.uow import lock_for_update

MAX_REMINDER_TEXT = 1000  # Reminder.text column size
CHURN_SNOOZE_DAYS = 30  # churn warnings come weekly: a one-day snooze would silence nothing


def _remind(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer = cmd.get("customer")
    if customer is not None:
        customer = require_changeable(ctx.session, ctx.user, customer)
    when: When = cmd.get("when")
    text: str = cmd.get("text").strip()
    due_at = _reminder_instant(ctx, when)
    reminder = Reminder(tenant=ctx.tenant, assignee_id=ctx.user.id, customer_id=customer.id if customer else None,
                        due_at=due_at, due_date=due_at.astimezone(ctx.tz).date(), due_has_time=when.has_time,
                        timezone=ctx.tz.key, text=text, created_by=ctx.user.id, created_at=ctx.now)
    ctx.session.add(reminder)
    ctx.session.flush()
    ctx.audit("create", "reminder", reminder.id, after={"customer_id": reminder.customer_id, "due_at": due_at,
                                                          "timezone": reminder.timezone, "text": text})
    return Reply(text=ctx.t("reminders:set", customer=customer, text=text, zone=ctx.tz.key,
                            when=format_when(when_at(due_at, ctx.tz), ctx.lang, today=ctx.today)))


def _reminder_instant(ctx: CommandContext, when: When) -> datetime:
    """With a clock time: that instant. Date only: the asker's morning hour that day, or right away when
    that hour has already passed today (``remind me today …`` at noon)."""
    if when.has_time:
        instant = when.instant
        assert instant is not None
        if instant <= ctx.now:
            raise UserError("past_date", when=format_when(when, ctx.lang))
        return instant
    if when.local_date < ctx.today:
        raise UserError("past_date", when=format_when(when, ctx.lang))
    return max(morning_instant(when.local_date, ctx.tz, ctx.morning_hour), ctx.now)


def _open_steps(ctx: CommandContext, customer: Customer) -> list[FollowUp]:
    statement = (
        select(FollowUp)
        .where(FollowUp.customer_id == customer.id, FollowUp.done_at.is_(None),
               FollowUp.next_due_at.is_not(None), FollowUp.deleted_at.is_(None))
        .order_by(FollowUp.next_due_at.desc())
    )
    return list(ctx.session.exec(statement).all())


def _done(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    lock_for_update(ctx.session, customer)  # a concurrent log or snooze of this customer goes before or after
    steps = _open_steps(ctx, customer)
    if not steps:
        raise UserError("reminders:no_open_step", name=customer.name, id=customer.id)
    for step in steps:
        step.done_at = ctx.now
        ctx.session.add(step)
        ctx.audit("update", "followup", step.id, before={"done_at": None}, after={"done_at": ctx.now})
    before = {"next_followup_at": customer.next_followup_at, "next_step": customer.next_step}
    customer.next_followup_at = None
    customer.next_step = None
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.audit("update", "customer", customer.id, before=before, after={"next_followup_at": None, "next_step": None})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("reminders:done", customer=customer, step=steps[0].next_step))


def _snooze(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    customer: Customer = require_changeable(ctx.session, ctx.user, cmd.get("customer"))
    when: When | None = cmd.get("duration")
    lock_for_update(ctx.session, customer)
    steps = _open_steps(ctx, customer)
    if not steps:
        return _snooze_churn(ctx, customer, when)
    step = steps[0]
    owner = ctx.session.get(User, customer.owner_id)
    owner_tz, morning = zone_of(owner, ctx.settings), morning_hour_of(owner, ctx.settings)
    before = {"next_due_at": step.next_due_at, "next_due_date": step.next_due_date}
    if when is not None and when.has_time:
        new_at = when.instant
        assert new_at is not None
        if new_at <= ctx.now:
            raise UserError("past_date", when=format_when(when, ctx.lang))
        has_time = True
    else:
        days = _snooze_days(ctx, when, default=1)
        assert step.next_due_at is not None
        old_local = step.next_due_at.astimezone(owner_tz)
        owner_today = ctx.now.astimezone(owner_tz).date()
        new_day = max(step.next_due_date or old_local.date(), owner_today) + timedelta(days=days)
        has_time = step.next_due_has_time
        if has_time:
            new_at = datetime.combine(new_day, old_local.time().replace(tzinfo=None), tzinfo=owner_tz)
            new_at = new_at.astimezone(UTC)
        else:
            new_at = morning_instant(new_day, owner_tz, morning)
    step.next_due_at = new_at
    step.next_due_date = new_at.astimezone(owner_tz).date()
    step.next_due_has_time = has_time
    ctx.session.add(step)
    customer.next_followup_at = new_at
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.audit("update", "followup", step.id, before=before,
              after={"next_due_at": new_at, "next_due_date": step.next_due_date})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    shown = when_at(new_at, ctx.tz, has_time=has_time)
    return Reply(text=ctx.t("reminders:snoozed_step", customer=customer, step=step.next_step,
                            when=format_when(shown, ctx.lang, today=ctx.today)))


def _snooze_days(ctx: CommandContext, when: When | None, *, default: int) -> int:
    if when is None:
        return default
    days = (when.local_date - ctx.today).days
    if days < 1:
        raise UserError("reminders:snooze_too_short", when=format_when(when, ctx.lang))
    return days


def _snooze_churn(ctx: CommandContext, customer: Customer, when: When | None) -> Reply:
    days = _snooze_days(ctx, when, default=CHURN_SNOOZE_DAYS)
    until: date = ctx.today + timedelta(days=days)
    before = {"snoozed_until": customer.snoozed_until}
    customer.snoozed_until = until
    customer.updated_at = ctx.now
    ctx.session.add(customer)
    ctx.audit("update", "customer", customer.id, before=before, after={"snoozed_until": until})
    ctx.publish(CustomerChanged(customer_id=customer.id, tenant=ctx.tenant))
    return Reply(text=ctx.t("reminders:snoozed_churn", customer=customer, until=until.isoformat()))


SPECS = (
    CommandSpec(
        name="remind",
        aliases=("提醒", "reminder", "提醒我", "remindme"),
        summary={"en": "a personal reminder about a customer (or: remind me <when> <text>)",
                 "zh": "给自己设一个提醒，可关联客户（或：提醒 我 <时间> <内容>）"},
        handler=_remind,
        args=(
            Arg("customer", ArgKind.CUSTOMER, allows_self=True),
            Arg("when", ArgKind.WHEN),
            Arg("text", ArgKind.TEXT, max_length=MAX_REMINDER_TEXT, verbatim=True),
        ),
        self_aliases=frozenset({"提醒我", "remindme"}),
        examples=("remind Acme friday 15:00 send the contract", "remind me tomorrow call the bank",
                  "提醒 albb 明天下午3点 确认发货", "提醒 我 3天后 整理报价"),
    ),
    CommandSpec(
        name="done",
        aliases=("完成", "已完成", "搞定"),
        summary={"en": "mark the customer's open next step done", "zh": "把客户的下一步标记为完成"},
        handler=_done,
        args=(Arg("customer", ArgKind.CUSTOMER),),
        examples=("done Acme", "完成 #12"),
    ),
    CommandSpec(
        name="snooze",
        aliases=("稍后", "推迟", "延后", "later"),
        summary={"en": "push the open next step later (1d by default); with none, pause churn warnings",
                 "zh": "把下一步推迟（默认 1 天）；没有下一步时暂停流失提醒"},
        handler=_snooze,
        args=(Arg("customer", ArgKind.CUSTOMER), Arg("duration", ArgKind.WHEN, required=False)),
        examples=("snooze Acme", "snooze #12 2d", "推迟 albb 下周一"),
    ),
)
