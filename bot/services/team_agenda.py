"""A manager's team in `today`: the team's overdue steps, birthdays and at-risk customers.

The same bounded queries as the manager's own agenda (`bot.services.agenda`), scoped to the customers of the
teams they manage that other people own (the manager's own customers are already in their own sections), so
each reads the teams' customers through ``ix_customer_team``, never the whole tenant. Each item carries its
owner's name, read for the listed customers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, select

from bot.access import managed_team_ids
from bot.services.agenda import (
    AtRiskCustomer,
    DueStep,
    Section,
    UpcomingBirthday,
    at_risk_customers,
    due_steps,
    upcoming_birthdays,
)
from storage.models import Customer, User


@dataclass(frozen=True)
class TeamAgenda:
    """What needs the manager's eye in their teams; `owners` names each listed customer's owner."""

    steps: Section[DueStep]
    birthdays: tuple[UpcomingBirthday, ...]
    at_risk: tuple[AtRiskCustomer, ...]
    owners: dict[int, str]

    @property
    def empty(self) -> bool:
        """Nothing overdue, no birthday, nobody at risk in the team."""
        return not (self.steps.total or self.birthdays or self.at_risk)


def team_scope(user: User, team_ids: list[int]) -> ColumnElement[bool]:
    """The live customers of `team_ids` that someone other than `user` owns."""
    return and_(Customer.team_id.in_(team_ids), Customer.owner_id != user.id, Customer.tenant == user.tenant,
                Customer.deleted_at.is_(None))


def team_agenda_for(session: Session, user: User, *, now: datetime, today: date) -> TeamAgenda | None:
    """The team part of a manager's `today` (None for someone who manages no team); `today` is the
    manager's local date."""
    if user.role not in ("manager", "admin"):
        return None
    teams = managed_team_ids(session, user)
    if not teams:
        return None
    scope = team_scope(user, teams)
    steps = due_steps(session, user, now=now, today=today, until=now, scope=scope, overdue_only=True)
    birthdays = upcoming_birthdays(session, user, today=today, scope=scope)
    at_risk = at_risk_customers(session, user, now=now, today=today, scope=scope)
    ids = {s.customer_id for s in steps.items} | {b.customer_id for b in birthdays} | {c.customer_id for c in at_risk}
    return TeamAgenda(steps, birthdays, at_risk, _owner_names(session, ids))


def _owner_names(session: Session, customer_ids: set[int]) -> dict[int, str]:
    if not customer_ids:
        return {}
    who = func.coalesce(func.nullif(User.display_name, ""), User.name)
    rows = session.exec(select(Customer.id, who).join(User, User.id == Customer.owner_id)
                        .where(Customer.id.in_(sorted(customer_ids)))).all()
    return {int(customer_id): str(name) for customer_id, name in rows}

