"""Who may see and change which customers, as SQL predicates and checks.

A rep sees the customers they own, plus their team's when the team shares; a manager sees their teams'
customers and their own; an admin sees every customer of the tenant. Changing follows seeing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlmodel import Session, col, select

from storage.models import Customer, ManagerTeam, Team, User


def managed_team_ids(session: Session, user: User) -> list[int]:
    """Teams this user manages."""
    return list(session.exec(select(ManagerTeam.team_id).where(ManagerTeam.manager_id == user.id)).all())


def visible_customers(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the (not deleted) customers `user` may see."""
    base = and_(Customer.tenant == user.tenant, Customer.deleted_at.is_(None))
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
    if user.team_id is not None:
        shares = session.exec(select(Team.shares_customers).where(Team.id == user.team_id)).first()
        if shares or user.role == "manager":
            teams.append(user.team_id)
    if teams:
        return or_(own, Customer.team_id.in_(sorted(set(teams))))
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
