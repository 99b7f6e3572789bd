"""The value types of date/time reading: :class:`When` and :class:`WhenError`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = ["When", "WhenError", "WhenErrorReason"]

#: Why a date/time could not be read; callers map these to a localised message.
#: ``bad_date``: no such day (``2026-02-30``, ``13-01``, ``31号`` in no nearby month, out of range);
#: ``bad_time``: no such clock time (``13:99``, ``25点``, ``13pm``, ``上午15点``);
#: ``vague_time``: an hour that could be either half of the day (``3点``, ``at 7``) or ``凌晨`` alone;
#: ``vague_date``: a promise of a day that names none (``改天``, ``过几天``, ``later``);
#: ``not_a_date``: a date glued to text where the split would not be at a word boundary (``下周一末``).
WhenErrorReason = Literal["bad_date", "bad_time", "vague_time", "vague_date", "not_a_date"]


class WhenError(ValueError):
    """Text that is written as a date or time but names none, e.g. ``2026-02-30`` or ``13:99``.

    ``reason`` is a stable code (see :data:`WhenErrorReason`) and ``text`` the offending input, so the
    caller can say what was wrong in the user's language.
    """

    def __init__(self, reason: WhenErrorReason, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason: WhenErrorReason = reason
        self.text = text


@dataclass(frozen=True)
class When:
    """A date, optionally with a wall-clock time, in a time zone (the user's).

    ``local_time`` is naive. Its ``fold`` attribute chooses between the two occurrences of a wall time
    repeated when clocks go back (0: the first, as for every time the user types; 1: the second, which
    only relative times such as ``in 2 hours`` produce).
    """

    local_date: date
    local_time: time | None
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.local_time is not None and self.local_time.tzinfo is not None:
            raise ValueError("When.local_time must be naive; the zone is When.tz")

    @property
    def has_time(self) -> bool:
        """Whether a clock time was given (otherwise the whole day is meant)."""
        return self.local_time is not None

    @property
    def instant(self) -> datetime | None:
        """The moment in UTC (aware), or None for a date without a time.

        Daylight saving is resolved by zoneinfo: a wall time that does not exist because clocks jumped
        forward (02:30 on 2026-03-08 in New York) is read with the offset in force before the jump
        (zoneinfo's ``fold=0``), so it moves forward by the length of the gap (03:30 EDT): a reminder
        fires a little late, never early and never not at all. A repeated wall time (01:30 on 2026-11-01 in New York) is the first occurrence
        unless ``local_time.fold`` is 1.
        """
        if self.local_time is None:
            return None
        return datetime.combine(self.local_date, self.local_time, tzinfo=self.tz).astimezone(UTC)
