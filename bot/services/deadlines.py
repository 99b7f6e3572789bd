"""Ticket deadlines: a number of hours from an instant, counted on the clock or in working hours of a zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from config.service import ServiceSettings

_UTC = ZoneInfo("UTC")
# A year of working days is far more than any configured deadline needs; the bound only stops a bad config.
_MAX_DAYS = 3 * 366


def add_hours(start: datetime, hours: float, *, tz: ZoneInfo, service: ServiceSettings) -> datetime:
    """`start` plus `hours`: plain clock hours, or with ``working_hours`` set only the working hours of working
    days in `tz` (a ticket opened on Friday evening with 4 working hours is due Monday late morning)."""
    window = service.working_window()
    if window is None:
        return start + timedelta(hours=hours)
    (start_h, start_m), (end_h, end_m) = window
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(tz)
    for _ in range(_MAX_DAYS):
        day = cursor.date()
        if day.isoweekday() in service.working_days:
            opens = datetime.combine(day, time(start_h, start_m), tzinfo=tz)
            closes = (datetime.combine(day, time(0), tzinfo=tz) + timedelta(days=1) if end_h == 24
                      else datetime.combine(day, time(end_h, end_m), tzinfo=tz))
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(_UTC)
                remaining -= available
        cursor = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return (start + timedelta(hours=hours)).astimezone(_UTC)
