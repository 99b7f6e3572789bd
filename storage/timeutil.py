"""Time helpers for storage: every stored instant is timezone-aware UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant, aware, in UTC (the default for created/updated columns)."""
    return datetime.now(UTC)
