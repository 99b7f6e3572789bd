"""A row's activity dates as the book keeps them: the last contact, a follow-up dated from the file, and the
open next step with its reminder (a follow-up with ``next_due_at``, which the scheduler reminds the owner of).

Dates are placed in the owner's time zone. A date without a time is a last contact at noon (the middle of
the day keeps its date in any neighbouring zone) and a next step due in the owner's morning, exactly as a
step typed in the chat without a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.importing.rows import PreparedActivity
from bot.importing.values import ParsedDate

_NOON = time(12)
_DEFAULT_TEXT = {"zh": "从 {file} 导入", "en": "imported from {file}"}
_DEFAULT_STEP = {"zh": "跟进", "en": "follow up"}


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an owner's dates fall: their zone and the hour their reminders come."""

    tz: ZoneInfo
    morning_hour: int


def instant(parsed: ParsedDate, tz: ZoneInfo, default: time = _NOON) -> datetime:
    """The UTC instant of a date read from a file (an offset in the cell wins over the zone)."""
    at = parsed.at or default
    zone = timezone(parsed.utc_offset) if parsed.utc_offset is not None else tz
    return datetime.combine(parsed.day, at, tzinfo=zone).astimezone(UTC)


def customer_dates(activity: PreparedActivity | None, place: Placement, now: datetime) -> dict[str, Any]:
    """The customer columns the activity sets: ``last_contact_at``, ``created_at``, ``next_step``,
    ``next_followup_at`` (only those it has)."""
    if activity is None:
        return {}
    values: dict[str, Any] = {}
    last = _last_contact(activity, place)
    if last is not None:
        values["last_contact_at"] = min(last, now)
    if activity.created is not None:
        values["created_at"] = min(instant(activity.created, place.tz), now)
    if activity.next_step or activity.next_due:
        values["next_step"] = activity.next_step
        if activity.next_due is not None:
            values["next_followup_at"] = _due(activity.next_due, place)[0]
    return values


def _last_contact(activity: PreparedActivity, place: Placement) -> datetime | None:
    moments = [instant(d, place.tz) for d in (activity.last_contact, activity.followup_at) if d is not None]
    return max(moments) if moments else None


def due_moment(parsed: ParsedDate, place: Placement) -> tuple[datetime, date, bool]:
    """A next step's due instant, local date and whether it has a time (date-only: the owner's morning)."""
    return _due(parsed, place)


def _due(parsed: ParsedDate, place: Placement) -> tuple[datetime, date, bool]:
    if parsed.at is not None:
        return instant(parsed, place.tz), parsed.day, True
    return instant(parsed, place.tz, time(place.morning_hour)), parsed.day, False


def followup_row(activity: PreparedActivity | None, place: Placement, *, author_id: int, now: datetime,
                 file_name: str, lang: str, platform: str) -> dict[str, Any] | None:
    """The follow-up the row brings (without ``customer_id``), or ``None``: its text is the file's activity
    note, dated from the file; an open next step rides on it with its due time."""
    if activity is None or not (activity.followup or activity.next_step or activity.next_due):
        return None
    lang = "zh" if lang == "zh" else "en"
    moment = activity.followup_at or activity.last_contact
    happened = instant(moment, place.tz) if moment is not None else now
    row: dict[str, Any] = {
        "author_id": author_id, "kind": activity.kind,
        "text": activity.followup or _DEFAULT_TEXT[lang].format(file=file_name),
        "happened_at": min(happened, now), "next_step": None, "next_due_at": None, "next_due_date": None,
        "next_due_has_time": False, "done_at": None, "source_platform": platform, "source_channel": None,
        "source_thread": None, "source_message_id": None, "created_at": now, "deleted_at": None,
    }  # fmt: skip
    if activity.next_due is not None or activity.next_step:
        row["next_step"] = (activity.next_step or _DEFAULT_STEP[lang])[:500]
        if activity.next_due is not None:
            row["next_due_at"], row["next_due_date"], row["next_due_has_time"] = _due(activity.next_due, place)
    return row
