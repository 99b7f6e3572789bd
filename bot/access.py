"""Who may see and change which customers, as SQL predicates and checks.

A rep sees the customers they own, plus their team's when the team shares; a manager sees their teams'
customers and their own; an admin sees every customer of the tenant. Changing follows seeing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, false, func, or_, true
from sqlmodel import Session, col, select

from storage.models import Customer, ManagerTeam, Team, User

_REACH = "crmbot.reach"  # session.info key: user id → (team shares customers, managed team ids), read up front


def reach_columns(user_id: Any, dialect: str, team_id: Any = None) -> list[Any]:
    """Two scalar subqueries for the user whose id `user_id` (an SQL expression) gives: whether their team
    shares customers, and the teams they manage (``"3,7"``). They ride on the statement that reads the user
    (`bot.users.identity_columns`), so seeing customers costs no statement of its own; `remember_reach` keeps
    the answers for this session. `team_id` is the user's team as an expression of the enclosing statement
    when it reads the user row itself (otherwise it is read through `user_id`)."""
    if team_id is None:
        team_id = select(User.team_id).where(User.id == user_id).scalar_subquery()
    shares = select(Team.shares_customers).where(Team.id == team_id).scalar_subquery()
    ids = cast(ManagerTeam.team_id, String)
    joined = func.string_agg(ids, ",") if dialect == "postgresql" else func.group_concat(ids, ",")
    managed = select(joined).where(ManagerTeam.manager_id == user_id).scalar_subquery()
    return [shares, managed]


def remember_reach(session: Session, user_id: int, shares: Any, managed: str | None) -> None:
    """Keep what `reach_columns` read for `user_id` for the rest of `session` (one command)."""
    teams = [int(team) for team in (managed or "").split(",") if team]
    session.info.setdefault(_REACH, {})[user_id] = (bool(shares), sorted(teams))


def managed_team_ids(session: Session, user: User) -> list[int]:
    """Teams this user manages."""
    known = session.info.get(_REACH, {}).get(user.id)
    if known is not None:
        return list(known[1])
    return list(session.exec(select(ManagerTeam.team_id).where(ManagerTeam.manager_id == user.id)).all())


def _team_shares(session: Session, user: User) -> bool:
    known = session.info.get(_REACH, {}).get(user.id)
    if known is not None:
        return known[0]
    return bool(session.exec(select(Team.shares_customers).where(Team.id == user.team_id)).first())


def visible_customers(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the (not deleted) customers `user` may see."""
    base = and_(col(Customer.tenant) == user.tenant, col(Customer.deleted_at).is_(None))
    return and_(base, _reach(session, user))


def _reach(session: Session, user: User) -> ColumnElement[bool]:
    if user.deactivated_at is not None:
        return false()
    if user.role == "admin":
        return true()
    # A customer released to the public pool is no longer its owner's (the team's pool holds it).
    own = and_(col(Customer.owner_id) == user.id, col(Customer.pooled_at).is_(None))
    teams: list[int] = []
    if user.role == "manager":
        teams.extend(managed_team_ids(session, user))
    if user.team_id is not None and (user.role == "manager" or _team_shares(session, user)):
        teams.append(user.team_id)
    if teams:
        return or_(own, col(Customer.team_id).in_(sorted(set(teams))))
    return own


def can_see(session: Session, user: User, customer: Customer) -> bool:
    """Whether `user` may see `customer` (deleted customers are visible only to restore them)."""
    if customer.tenant != user.tenant or user.deactivated_at is not None:
        return False
    if user.role == "admin" or (customer.owner_id == user.id and customer.pooled_at is None):
        return True
    if customer.team_id is None:
        return False
    if user.role == "manager" and customer.team_id in managed_team_ids(session, user):
        return True
    if customer.team_id == user.team_id:
        if user.role == "manager":
            return True
        team = session.get(Team, customer.team_id)
        return bool(team and team.shares_customers)
    return False


def can_change(session: Session, user: User, customer: Customer) -> bool:
    """Whether `user` may change `customer`; the same people who may see it."""
    return can_see(session, user, customer)


def can_manage_user(session: Session, manager: User, other: User) -> bool:
    """Whether `manager` may move `other`'s book (admins: anyone; managers: members of their teams)."""
    if manager.tenant != other.tenant:
        return False
    if manager.role == "admin":
        return True
    if manager.role != "manager":
        return False
    return other.team_id is not None and other.team_id in managed_team_ids(session, manager)


def is_manager_or_admin(user: User) -> bool:
    return user.role in ("manager", "admin")


def select_visible_ids(session: Session, user: User):
    """A SELECT of the ids of visible customers (for IN-subqueries in reports)."""
    return select(Customer.id).where(visible_customers(session, user))
