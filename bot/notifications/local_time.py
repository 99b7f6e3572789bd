"""Recipient-local time for the scheduler: one `LocalMoment` per distinct zone, and quiet hours.

The ticker runs in UTC. For every distinct IANA zone among active users it computes the local date and
hour once in Python (zoneinfo, so DST is handled by the zone database), and the enqueue statements select
the users of that zone with a plain ``coalesce(timezone, default) = :zone`` predicate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlmodel import Session

from config.settings import Settings
from storage.models import User

log = logging.getLogger("crmbot.notifications")


@dataclass(frozen=True)
class LocalMoment:
    """`now` as seen in one zone."""

    zone: str
    now: datetime  # aware UTC

    @property
    def tz(self) -> ZoneInfo:
        """The zone."""
        return ZoneInfo(self.zone)

    @property
    def local(self) -> datetime:
        """`now` on the zone's wall clock."""
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        """The local date."""
        return self.local.date()

    @property
    def hour(self) -> int:
        """The local wall-clock hour (0–23)."""
        return self.local.hour

    @property
    def week_start(self) -> date:
        """Monday of the local ISO week (the occasion date of weekly notifications)."""
        return self.today - timedelta(days=self.today.weekday())

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """The UTC instant of a local wall time (a time skipped by DST moves forward by the gap)."""
        return to_utc(day, time(hour, minute), self.tz)


def to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """A local date + wall time in `tz` as an aware UTC instant (zoneinfo's fold=0 for gaps and repeats)."""
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def zone_or_default(zone: str | None, settings: Settings) -> str:
    """A user's zone, or the configured default when they never set one."""
    return zone or settings.defaults.timezone


def local_moments(session: Session, settings: Settings, now: datetime) -> list[LocalMoment]:
    """One `LocalMoment` per distinct zone of active users (unknown zone names are logged and skipped)."""
    zone = func.coalesce(User.timezone, settings.defaults.timezone)
    names = session.exec(select(zone).where(User.deactivated_at.is_(None)).distinct()).all()  # type: ignore[call-overload]
    moments = []
    for (name,) in sorted(names):
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            # The `settings` command validates zones; a bad one here is a data bug worth a log line.
            log.warning("skipping users with unknown time zone %r", name)
            continue
        moments.append(LocalMoment(zone=name, now=now))
    return moments


@dataclass(frozen=True)
class QuietHours:
    """A daily local window (may wrap midnight, e.g. 21:00–08:00) in which nothing is pushed."""

    start: time
    end: time

    @classmethod
    def parse(cls, value: str | None) -> QuietHours | None:
        """``"21:00-08:00"`` → QuietHours; None/""/"off" → None (the settings validator checked the form)."""
        if value in (None, "", "off"):
            return None
        assert value is not None
        start, end = (part.strip() for part in value.split("-"))
        return cls(start=time.fromisoformat(_pad(start)), end=time.fromisoformat(_pad(end)))

    def contains(self, wall: time) -> bool:
        """Whether a local wall time falls inside the window."""
        wall = wall.replace(tzinfo=None, fold=0)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def release(self, instant: datetime, tz: ZoneInfo) -> datetime:
        """`instant` if it is outside the window in `tz`, else the UTC instant the window ends."""
        local = instant.astimezone(tz)
        if not self.contains(local.time()):
            return instant
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # evening part of a window that ends tomorrow morning
        return max(instant, to_utc(day, self.end, tz))


def deliverable_from(instant: datetime, tz: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """The earliest instant at or after `instant` outside the recipient's quiet hours."""
    return quiet.release(instant, tz) if quiet else instant


def _pad(hhmm: str) -> str:
    hour, minute = hhmm.split(":")
    return f"{int(hour):02d}:{int(minute):02d}"
