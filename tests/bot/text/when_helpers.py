"""Shared fixtures-as-constants for the date/time tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.text.when import When, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
# The reference "now" of the date tests: Wednesday 2026-11-25, 09:30 in Shanghai.
WEDNESDAY_0930 = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)


def shown(when: When) -> str:
    """``2026-11-27`` or ``2026-11-27 10:00``: the wall-clock reading a user would check."""
    text = when.local_date.isoformat()
    return f"{text} {when.local_time:%H:%M}" if when.local_time is not None else text


def read(text: str, now: datetime = WEDNESDAY_0930, tz: ZoneInfo = SHANGHAI) -> tuple[str, int]:
    """Parse ``text`` split on spaces; return the reading and how many words it used."""
    found = parse_when(text.split(), now=now, tz=tz)
    assert found is not None, f"{text!r} was not read as a date/time"
    return shown(found[0]), found[1]
