"""What commands share about people: zone, morning hour, language words, and the change guard."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.access import can_change
from bot.errors import UserError
from bot.text.when import When
from config.settings import Settings
from storage.models import Customer, User

LANGUAGE_WORDS = {"zh": "zh", "cn": "zh", "chinese": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh",
                  "en": "en", "english": "en", "英文": "en", "英语": "en"}


def language_code(text: str) -> str | None:
    """``zh`` / ``en`` for the ways people name the two languages (``中文``, ``English`` …), else None."""
    return LANGUAGE_WORDS.get(text.strip().lower())


def zone_of(user: User | None, settings: Settings) -> ZoneInfo:
    """The user's time zone, or the configured default when they never set one."""
    return ZoneInfo((user.timezone if user else None) or settings.defaults.timezone)


def morning_hour_of(user: User | None, settings: Settings) -> int:
    """The local hour at which the user's date-only steps and reminders fall due."""
    if user is not None and user.morning_hour is not None:
        return user.morning_hour
    return settings.defaults.morning_hour


def morning_instant(day, tz: ZoneInfo, hour: int) -> datetime:
    """``hour``:00 on the local date ``day`` in ``tz``, as an aware UTC instant."""
    return datetime.combine(day, time(hour=hour), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def when_at(instant: datetime, tz: ZoneInfo, *, has_time: bool = True) -> When:
    """The `When` an instant shows on the wall clock of ``tz`` (for `format_when`)."""
    local = instant.astimezone(tz)
    return When(local.date(), local.time().replace(tzinfo=None) if has_time else None, tz)


def require_changeable(session: Session, user: User, customer: Customer) -> Customer:
    """`customer`, if `user` may change it; otherwise the very answer a missing customer gets.

    Parsing already resolved the reference among visible customers; this re-checks the *change* right on
    the server, so a customer outside the user's reach never leaks even its existence.
    """
    if not can_change(session, user, customer):
        raise UserError("customer_not_found", ref=f"#{customer.id}")
    return customer
