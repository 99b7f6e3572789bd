"""Settings of service and automation: ticket deadlines (``[service]``) and automation rules (``[[automation]]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

#: Domain events an automation rule may start from (the README lists them with their occasions).
AUTOMATION_EVENTS = ("ticket_opened", "ticket_closed", "ticket_overdue", "customer_at_risk", "vip_silent",
                     "order_paid", "deal_won")
#: What a rule may do.
AUTOMATION_ACTIONS = ("next_step", "notify_owner", "notify_manager", "send_survey")


def _clock(value: str) -> tuple[int, int]:
    hour, minute = value.strip().split(":")
    parsed = int(hour), int(minute)
    if not (0 <= parsed[0] <= 24 and 0 <= parsed[1] <= 59) or parsed[0] * 60 + parsed[1] > 24 * 60:
        raise ValueError
    return parsed


class ServiceSettings(BaseModel):
    """``[service]``: ticket deadlines per priority, optionally counted in working hours of the assignee's zone."""

    # Hours from opening to the deadline, per priority.
    due_hours: dict[str, float] = Field(default_factory=lambda: {"high": 4.0, "normal": 24.0, "low": 72.0})
    # "09:00-18:00": deadlines count only these hours of working days (the assignee's zone); unset: every hour.
    working_hours: str | None = None
    # ISO weekdays that are working days (1 = Monday).
    working_days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    # A ticket still open this long after its deadline alerts the assignee's manager too.
    escalate_after_hours: float = Field(4.0, ge=0, le=24 * 60)

    @field_validator("due_hours")
    @classmethod
    def _due_hours(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - {"high", "normal", "low"}
        if unknown:
            raise ValueError(f"due_hours keys are high, normal and low, not {', '.join(sorted(unknown))}")
        merged = {"high": 4.0, "normal": 24.0, "low": 72.0, **value}
        if any(not (0 < hours <= 24 * 365) for hours in merged.values()):
            raise ValueError("due_hours must be between 0 and 8760 hours")
        return merged

    @field_validator("working_hours")
    @classmethod
    def _working_hours(cls, value: str | None) -> str | None:
        if value in (None, "", "off"):
            return None
        try:
            start, end = (_clock(part) for part in value.split("-"))
        except ValueError as exc:
            raise ValueError("expected HH:MM-HH:MM, e.g. 09:00-18:00, or off") from exc
        if start >= end:
            raise ValueError("working_hours must start before they end, e.g. 09:00-18:00")
        return value

    @field_validator("working_days")
    @classmethod
    def _working_days(cls, value: list[int]) -> list[int]:
        if not value or any(day not in range(1, 8) for day in value):
            raise ValueError("working_days are ISO weekdays 1 (Monday) … 7 (Sunday), at least one")
        return sorted(set(value))

    def working_window(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """((start hour, minute), (end hour, minute)) of a working day, or None when every hour counts."""
        if self.working_hours is None:
            return None
        start, end = (_clock(part) for part in self.working_hours.split("-"))
        return start, end


class AutomationRule(BaseModel):
    """One ``[[automation]]`` entry: ``when`` a domain event happens, ``then`` do an action."""

    name: str | None = Field(None, max_length=60)
    when: Literal["ticket_opened", "ticket_closed", "ticket_overdue", "customer_at_risk", "vip_silent",
                  "order_paid", "deal_won"]
    then: Literal["next_step", "notify_owner", "notify_manager", "send_survey"]
    text: str | None = Field(None, max_length=500)  # the step, or the note sent with the push
    days: int | None = Field(None, ge=1, le=3650)  # vip_silent: silent this many days
    due_in_days: int = Field(1, ge=0, le=365)  # next_step: due this many days after the event

    @model_validator(mode="after")
    def _complete(self) -> AutomationRule:
        if self.name == "survey":
            raise ValueError('the rule name "survey" is taken by automatic surveys; choose another')
        if self.when == "vip_silent" and self.days is None:
            raise ValueError("a vip_silent rule needs days = <how many days of silence>")
        if self.then == "next_step" and not (self.text or "").strip():
            raise ValueError("a next_step rule needs text = <the step>")
        return self

    def key(self, index: int) -> str:
        """The rule's stable key in `automation_run` (its name, else its place in the file)."""
        return self.name or f"rule{index + 1}"
