"""Quoting a value as one literal word of a command line (forms and thread replies build commands)."""

from __future__ import annotations

_QUOTES = (('"', '"', '"“”'), ("「", "」", "「」"), ("『", "』", "『』"))


class UnquotableValue(ValueError):
    """A value containing every kind of quote the command grammar has; it cannot be passed literally."""


def quote_value(value: str) -> str:
    """``value`` as one literal word of a command line (whitespace collapsed, as the core does anyway)."""
    value = " ".join(value.split())
    for opening, closing, forbidden in _QUOTES:
        if not any(char in value for char in forbidden):
            return f"{opening}{value}{closing}"
    raise UnquotableValue(value)
