"""The names of the notification kinds, and how an outbox row names its audience.

Everything else about a kind (subject, enqueue step, renderer, templates, catch-up) is declared once in
`bot.notifications.catalog`.

An outbox row's ``channel`` is its *audience*: ``user:<id>`` for a push to one user's DM (the platform
identity is chosen at delivery time, so a user who links a second chat account is not notified twice),
or a channel key in `Target.key()` form (``slack:T1:C123``) for a post into a channel.
"""

from __future__ import annotations

FOLLOWUP_DUE = "followup_due"
REMINDER_DUE = "reminder_due"
FOLLOWUP_OVERDUE = "followup_overdue"  # escalation of a still-open step to the manager
BIRTHDAY = "birthday"
CHURN = "churn"
PAYMENT_OVERDUE = "payment_overdue"
PAYMENT_ESCALATION = "payment_escalation"
DIGEST_DAILY = "digest_daily"
DIGEST_WEEKLY = "digest_weekly"

#: How far back every pass re-reads date-keyed occasions (follow-ups, reminders, payments, escalations), so
#: a late pass loses nothing; after longer downtime the window reaches back to the last pass (`catch_up`).
CATCH_UP_DAYS = 7

USER_AUDIENCE_PREFIX = "user:"


def user_audience(user_id: int) -> str:
    """The audience key of one user's DM."""
    return f"{USER_AUDIENCE_PREFIX}{user_id}"


def audience_user_id(channel: str) -> int | None:
    """The user id of a ``user:<id>`` audience, or None for a channel audience."""
    if not channel.startswith(USER_AUDIENCE_PREFIX):
        return None
    try:
        return int(channel[len(USER_AUDIENCE_PREFIX) :])
    except ValueError:
        return None

