"""A demo customer's history: follow-ups over two years in its own rhythm, and orders with receivables.

Every customer gets a usual gap between contacts (every 5 to 90 days). Most are in touch recently; about one
in seven has gone quiet for several times its usual gap, so churn warnings have something to say. The
latest follow-up of about half the active customers carries an open next step, due from a week ago to two
weeks ahead, a quarter of them today. Earlier next steps were done at the next contact. About one overdue
receivable in ten stays unpaid.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.demo import names
from bot.demo.book import DemoCustomer

GAPS = (5, 10, 15, 20, 30, 45, 60, 90)
GAP_WEIGHTS = (0.06, 0.12, 0.16, 0.16, 0.20, 0.12, 0.10, 0.08)
WINDOW_DAYS = 730
QUIET_SHARE = 0.15
OPEN_STEP_SHARE = 0.55
KINDS = ("call", "visit", "message", "email", "meeting", "note")
KIND_WEIGHTS = (0.35, 0.12, 0.25, 0.12, 0.08, 0.08)
_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    if name not in _ZONES:
        _ZONES[name] = ZoneInfo(name)
    return _ZONES[name]


def add_activity(customer: DemoCustomer, rng: random.Random, *, now: datetime, today: date, platform: str) -> None:
    """Fill ``customer.followups`` and ``customer.orders`` and the customer's derived columns."""
    values = customer.values
    gap = rng.choices(GAPS, GAP_WEIGHTS)[0]
    quiet = rng.random() < QUIET_SHARE
    silence = gap * rng.uniform(3, 9) if quiet else min(gap * rng.expovariate(1.0), gap * 1.8)
    created: datetime = values["created_at"]
    last = now - timedelta(days=silence)
    start = max(created, now - timedelta(days=WINDOW_DAYS))
    moments: list[datetime] = []
    moment = last
    while moment > start:
        moments.append(moment)
        moment -= timedelta(days=gap * rng.uniform(0.5, 1.5))
    moments.reverse()
    owner = customer.owner
    tz = _zone(owner.timezone)
    texts, topics = (names.FOLLOWUP_EN, names.TOPICS_EN) if customer.english else (names.FOLLOWUP_ZH, names.TOPICS_ZH)
    steps = names.NEXT_STEPS_EN if customer.english else names.NEXT_STEPS_ZH
    rows = customer.followups
    for index, happened in enumerate(moments):
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        row = _followup(customer, happened, kind, rng.choice(texts[kind]).format(t=rng.choice(topics)), platform)
        if index + 1 < len(moments) and rng.random() < 0.35:
            following = moments[index + 1]
            due_day = following.astimezone(tz).date()
            row.update(next_step=rng.choice(steps), next_due_date=due_day,
                       next_due_at=_morning(due_day, tz, owner.morning_hour), done_at=following)
        rows.append(row)
    if rows:
        values["last_contact_at"] = rows[-1]["happened_at"]
        if not quiet and rng.random() < OPEN_STEP_SHARE:
            _open_step(customer, rows[-1], rng, today=today, tz=tz, step=rng.choice(steps))
    total = _orders(customer, moments, rng, today=today, now=now)
    values["stage"] = _stage(len(customer.orders), values["last_contact_at"], now)
    values["tier"] = "vip" if total > 150_000 else "key" if total > 50_000 else "normal"


def _followup(customer: DemoCustomer, happened: datetime, kind: str, text: str, platform: str) -> dict:
    return {
        "customer_id": None, "author_id": customer.owner.id, "kind": kind, "text": text, "happened_at": happened,
        "next_step": None, "next_due_at": None, "next_due_date": None, "next_due_has_time": False, "done_at": None,
        "source_platform": platform, "source_channel": None, "source_thread": None, "source_message_id": None,
        "created_at": happened, "deleted_at": None,
    }  # fmt: skip


def _morning(day: date, tz: ZoneInfo, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def _open_step(customer: DemoCustomer, row: dict, rng: random.Random, *, today: date, tz: ZoneInfo, step: str) -> None:
    draw = rng.random()
    offset = rng.randint(-7, -1) if draw < 0.2 else 0 if draw < 0.45 else rng.randint(1, 14)
    due_day = today + timedelta(days=offset)
    if due_day < row["happened_at"].astimezone(tz).date():
        due_day = today  # a step is never set in the past
    if rng.random() < 0.4:
        due_at = datetime.combine(due_day, time(rng.choice((10, 14, 16))), tzinfo=tz).astimezone(UTC)
        has_time = True
    else:
        due_at, has_time = _morning(due_day, tz, customer.owner.morning_hour), False
    row.update(next_step=step, next_due_date=due_day, next_due_at=due_at, next_due_has_time=has_time)
    customer.values.update(next_followup_at=due_at, next_step=step)


def _orders(customer: DemoCustomer, moments: list[datetime], rng: random.Random, *, today: date, now: datetime) -> Decimal:
    """Orders on some of the contact days; returns their total (for the tier)."""
    if not moments or rng.random() > 0.55:
        return Decimal(0)
    count = min(len(moments), rng.choice((1, 1, 2, 2, 3, 4, 5, 6)))
    items = names.ORDER_ITEMS_EN if customer.english else names.ORDER_ITEMS_ZH
    total = Decimal(0)
    for happened in sorted(rng.sample(moments, count)):
        ordered_on = happened.date()
        amount = Decimal(round(rng.lognormvariate(9.0, 1.1), -1) or 100).quantize(Decimal("0.01"))
        due = ordered_on + timedelta(days=rng.choice((15, 30, 30, 45, 60, 90)))
        paid_at = None
        if due < today and rng.random() < 0.88:
            paid_day = min(due + timedelta(days=rng.randint(-10, 20)), today - timedelta(days=1))
            paid_at = datetime.combine(max(paid_day, ordered_on), time(6), tzinfo=UTC)
        elif due >= today and rng.random() < 0.3:
            paid_at = min(now, datetime.combine(ordered_on + timedelta(days=3), time(6), tzinfo=UTC))
        total += amount
        customer.orders.append({
            "customer_id": None, "amount": amount, "currency": "USD" if customer.english else "CNY",
            "ordered_on": ordered_on, "items": rng.choice(items), "payment_due": due, "paid_at": paid_at,
            "created_by": customer.owner.id, "created_at": happened, "deleted_at": None,
        })  # fmt: skip
    return total


def _stage(orders: int, last_contact: datetime | None, now: datetime) -> str:
    silent_days = (now - last_contact).days if last_contact else 0
    if silent_days > 300:
        return "churned"
    if silent_days > 120:
        return "at_risk"
    return "lead" if orders == 0 else "first_purchase" if orders == 1 else "repeat" if orders <= 3 else "loyal"
