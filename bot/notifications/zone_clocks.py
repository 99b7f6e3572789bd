"""Every zone's local clock at one tick, as SQL, so each enqueue statement runs once for all zones.

A tick sees a handful of zones (one per distinct zone of active users). One statement per kind *and zone*
would reread the whole due range once per zone; instead each kind runs one statement, and whatever depends
on the recipient's zone (local date, hour, the end of quiet hours) is a ``CASE <user's zone> WHEN … THEN …``
over the `LocalMoment` of each zone, computed once in Python (zoneinfo, so DST is the zone database's).

Why CASE and not a join with a ``VALUES`` table of zones: SQLite is free to put a small joined table
outermost, which reads the due rows once per zone again; a CASE leaves the join order to the indexed tables.
The predicates on indexed columns stay plain bound values (the widest range over all zones), so each
statement still reads its partial index once, and the exact per-zone condition filters the rows it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, case, func, literal, or_
from sqlalchemy.types import TypeEngine

from bot.notifications.kinds import CATCH_UP_DAYS
from bot.notifications.local_time import LocalMoment, QuietHours, deliverable_from
from config.settings import Settings
from storage.models import NotificationOutbox, User


@dataclass(frozen=True)
class ZoneClocks:
    """The tick's `LocalMoment` in each zone, plus what every statement needs from settings.

    ``user`` arguments are the users table or an alias of it: the person whose zone a row follows (the
    owner for an owner's push, the manager for an escalation).
    """

    moments: tuple[LocalMoment, ...]
    settings: Settings
    quiet: QuietHours | None
    now: datetime  # the tick's instant (UTC)
    catch_up_days: int = CATCH_UP_DAYS  # how far back missed occasions are still enqueued (see catch_up)
    last_pass: datetime | None = None  # the previous complete pass, when there was one (see catch_up)

    def __post_init__(self) -> None:
        if not self.moments:
            raise ValueError("ZoneClocks needs at least one zone")

    @property
    def zones(self) -> tuple[str, ...]:
        """The zone names, in the order of `moments`."""
        return tuple(m.zone for m in self.moments)

    @property
    def first_today(self) -> date:
        """The earliest local date among the zones (bounds index ranges from below)."""
        return min(m.today for m in self.moments)

    @property
    def last_today(self) -> date:
        """The latest local date among the zones (bounds index ranges from above)."""
        return max(m.today for m in self.moments)

    def moment(self, zone: str) -> LocalMoment | None:
        """The moment of one zone, or None when no active user lives there."""
        return next((m for m in self.moments if m.zone == zone), None)

    def only(self, keep: Callable[[LocalMoment], bool]) -> ZoneClocks | None:
        """The zones `keep` accepts (e.g. those where it is Monday), or None when it accepts none."""
        kept = tuple(m for m in self.moments if keep(m))
        return replace(self, moments=kept) if kept else None

    def by_local_date(self) -> dict[date, ZoneClocks]:
        """The zones grouped by their local date (a tick spans two dates at most around midnight)."""
        days = sorted({m.today for m in self.moments})
        return {day: replace(self, moments=tuple(m for m in self.moments if m.today == day)) for day in days}

    def not_before_in(self, moment: LocalMoment) -> datetime:
        """When rows enqueued now for someone in `moment`'s zone may go out: now, or the end of quiet hours."""
        return deliverable_from(self.now, moment.tz, self.quiet)

    # ---- SQL --------------------------------------------------------------------------------------------

    def zone_of(self, user: Any = User) -> ColumnElement[str]:
        """``coalesce(<user>.timezone, :default)``."""
        return func.coalesce(user.timezone, self.settings.defaults.timezone)

    def in_zones(self, user: Any = User) -> ColumnElement[bool]:
        """The user lives in one of these zones (users in a zone the tick skipped get nothing).

        Spelled on the bare column, not on `zone_of`, so PostgreSQL estimates it from the column's
        statistics; an estimate of "a handful of users" made it reach due rows through every user's customers.
        """
        listed = user.timezone.in_(self.zones)
        return or_(listed, user.timezone.is_(None)) if self.settings.defaults.timezone in self.zones else listed

    def per_zone(self, user: Any, value: Callable[[LocalMoment], Any], type_: TypeEngine[Any]) -> ColumnElement[Any]:
        """``value(moment)`` of the user's zone: a bound literal when all zones agree, else a CASE."""
        values = {m.zone: value(m) for m in self.moments}
        if len(set(values.values())) == 1:
            return literal(next(iter(values.values())), type_)
        return case({zone: literal(v, type_) for zone, v in values.items()}, value=self.zone_of(user))

    def today(self, user: Any = User, *, plus_days: int = 0) -> ColumnElement[date]:
        """The user's local date (shifted by `plus_days`)."""
        return self.per_zone(user, lambda m: m.today + timedelta(days=plus_days), Date())

    def week_start(self, user: Any = User) -> ColumnElement[date]:
        """Monday of the user's local ISO week."""
        return self.per_zone(user, lambda m: m.week_start, Date())

    def at(self, user: Any, day: Callable[[LocalMoment], date], hour: int) -> ColumnElement[datetime]:
        """The UTC instant of `hour` o'clock on the user's local `day` (e.g. when a greeting goes stale)."""
        return self.per_zone(user, lambda m: m.at(day(m), hour), NotificationOutbox.__table__.c.stale_after.type)

    def morning_passed(self, user: Any = User) -> ColumnElement[bool]:
        """The user's morning hour (their own, else the default) has come in their zone today."""
        hour = self.per_zone(user, lambda m: m.hour, Integer())
        return func.coalesce(user.morning_hour, self.settings.defaults.morning_hour) <= hour

    def not_before(self, user: Any = User) -> ColumnElement[datetime]:
        """When a row for this user may go out: now, or the end of their zone's quiet hours."""
        return self.per_zone(user, self.not_before_in, NotificationOutbox.__table__.c.not_before.type)
