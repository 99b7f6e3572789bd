"""Contact birthdays, solar or lunar: the public face of ``bot.calendar``'s birthday modules.

- ``birthday_model``: ``Birthday`` (validated on construction) and ``BirthdayError``.
- ``birthday_text``: ``parse_birthday`` and ``format_birthday``.
- ``birthday_rules``: when a birthday is celebrated (``birthday_keys_for``, ``matches``, ``next_occurrence``,
  ``age_on``).
"""

from bot.calendar.birthday_model import Birthday, BirthdayError, BirthdayErrorReason
from bot.calendar.birthday_rules import (
    BirthdayKeys,
    Feb29Rule,
    age_on,
    birthday_keys_for,
    matches,
    next_occurrence,
)
from bot.calendar.birthday_text import format_birthday, parse_birthday

__all__ = [
    "Birthday",
    "BirthdayError",
    "BirthdayErrorReason",
    "BirthdayKeys",
    "Feb29Rule",
    "age_on",
    "birthday_keys_for",
    "format_birthday",
    "matches",
    "next_occurrence",
    "parse_birthday",
]
