"""The public pool (公海): who releases, who may take, and the one claim that wins.

A customer with no follow-up (``last_contact_at``, else ``created_at``) for its team's ``release_after_days``
(``[[teams]] pool_release_after_days`` over ``[pool] release_after_days``; unset or 0: never) is released:
``customer.pooled_at`` is set and a ``pool_release`` row opened. Its owner was warned ``warn_days_before``
days earlier and is told when it goes. From then on it is no longer the owner's (`bot.access` reads
``pooled_at``): their team lists it with `pool` and a member takes it with `claim`, or a manager assigns it.

Taking a released customer writes its ``pool_claim`` row, keyed by the release: of two reps claiming at once
exactly one inserts it, the other is told someone was faster. A rep holds at most ``pool.max_per_rep`` open
claims: customers taken from the pool that they still own and have not followed up since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Date, and_, exists, false, func, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.access import managed_team_ids
from bot.pipeline.deals import move_open_deals
from config.settings import Settings
from storage.models import Customer, FollowUp, PoolClaim, PoolRelease, Team, User


def release_days_by_team(session: Session, settings: Settings) -> tuple[int | None, dict[int, int | None]]:
    """The global ``release_after_days`` and each configured team's own (by team id; None or 0: off)."""
    overrides: dict[int, int | None] = {}
    for team in settings.teams:
        if team.pool_release_after_days is None:
            continue
        for team_id in session.exec(select(Team.id).where(Team.name == team.name)).all():
            overrides[team_id] = team.pool_release_after_days or None
    return settings.pool.release_after_days, overrides


def silent_since() -> ColumnElement[datetime]:
    """When the customer was last followed up (its creation when never)."""
    return func.coalesce(Customer.last_contact_at, Customer.created_at)


def due_for_release(session: Session, settings: Settings, *, before: datetime) -> ColumnElement[bool]:
    """Customers whose team's release threshold falls before `before` (`before` = now: release them; now +
    the warning lead: warn their owners), not in the pool already, not deleted."""
    default, overrides = release_days_by_team(session, settings)
    clauses = []
    for team_id, days in overrides.items():
        if days:
            clauses.append(and_(Customer.team_id == team_id, silent_since() <= before - timedelta(days=days)))
    if default:
        others = col(Customer.team_id).is_(None) | col(Customer.team_id).not_in(list(overrides) or [-1])
        clauses.append(and_(others, silent_since() <= before - timedelta(days=default)))
    if not clauses:
        return false()
    return and_(col(Customer.pooled_at).is_(None), col(Customer.deleted_at).is_(None), or_(*clauses))


def release_after(session: Session, settings: Settings, customer: Customer) -> int | None:
    """The release threshold (days) that applies to `customer`, or None when its team keeps no pool."""
    default, overrides = release_days_by_team(session, settings)
    if customer.team_id is not None and customer.team_id in overrides:
        return overrides[customer.team_id]
    return default


def release_due(session: Session, settings: Settings, *, now: datetime) -> int:
    """Release every customer due (set-based: one INSERT … SELECT of the releases, one UPDATE); returns how many."""
    due = due_for_release(session, settings, before=now)
    rows = select(Customer.tenant, Customer.id, Customer.team_id, Customer.owner_id,
                  literal(now, type_=PoolRelease.__table__.c.released_at.type),
                  literal(now.astimezone(UTC).date(), type_=Date())).where(due)
    dialect = session.get_bind().dialect.name
    base = postgresql.insert(PoolRelease) if dialect == "postgresql" else sqlite.insert(PoolRelease)
    statement = base.from_select(["tenant", "customer_id", "team_id", "previous_owner_id", "released_at",
                                  "released_on"], rows)
    # Another pass releasing the same customer at the same time inserts nothing (one open release per customer).
    result = session.execute(statement.on_conflict_do_nothing().execution_options(preserve_rowcount=True))
    released = max(result.rowcount or 0, 0)
    if released:
        session.execute(
            update(Customer)
            .where(col(Customer.id).in_(select(PoolRelease.customer_id).where(
                PoolRelease.released_at == now, col(PoolRelease.ended_at).is_(None))), col(Customer.pooled_at).is_(None))
            .values(pooled_at=now)
        )
    return released


def pool_teams(session: Session, user: User) -> list[int]:
    """The teams whose pool `user` may see and take from: their own; a manager's teams; an admin's every team."""
    if user.role == "admin":
        return list(session.exec(select(Team.id).where(Team.tenant == user.tenant)).all())
    teams = set(managed_team_ids(session, user)) if user.role == "manager" else set()
    if user.team_id is not None:
        teams.add(user.team_id)
    return sorted(teams)


def in_pool(session: Session, user: User) -> ColumnElement[bool]:
    """Customers in the pools `user` may take from."""
    teams = pool_teams(session, user)
    return and_(Customer.tenant == user.tenant, col(Customer.pooled_at).is_not(None),
                col(Customer.deleted_at).is_(None), col(Customer.team_id).in_(teams or [-1]))


def open_claims(session: Session, user: User) -> int:
    """How many customers `user` took from the pool, still owns and has not followed up since."""
    followed = exists().where(FollowUp.customer_id == PoolClaim.customer_id, FollowUp.author_id == user.id,
                              FollowUp.happened_at >= PoolClaim.claimed_at, col(FollowUp.deleted_at).is_(None))
    return int(session.exec(
        select(func.count()).select_from(PoolClaim).join(Customer, Customer.id == PoolClaim.customer_id)
        .where(PoolClaim.claimer_id == user.id, Customer.owner_id == user.id, col(Customer.pooled_at).is_(None),
               ~followed)
    ).one())


@dataclass(frozen=True)
class Taken:
    """A customer taken from the pool: by whom, from whom it had been released."""

    customer: Customer
    previous_owner_id: int
    released_at: datetime


def take(session: Session, customer: Customer, *, claimer: User, now: datetime, assigned_by: User | None = None) -> Taken | None:
    """Make `claimer` the owner of the pooled `customer`, if nobody took it first (None then).

    The claim row is inserted first: its key (the release) lets one taker in; the customer follows."""
    release = session.exec(
        select(PoolRelease).where(PoolRelease.customer_id == customer.id, col(PoolRelease.ended_at).is_(None))
    ).first()
    if release is None:
        return None
    dialect = session.get_bind().dialect.name
    base = postgresql.insert(PoolClaim) if dialect == "postgresql" else sqlite.insert(PoolClaim)
    inserted = session.execute(base.values(
        release_id=release.id, customer_id=customer.id, claimer_id=claimer.id,
        assigned_by=assigned_by.id if assigned_by else None, claimed_at=now,
    ).on_conflict_do_nothing().execution_options(preserve_rowcount=True))
    if not inserted.rowcount:
        return None
    release.ended_at = now
    session.add(release)
    customer.owner_id = claimer.id  # type: ignore[assignment]  # a stored user has an id
    customer.team_id = claimer.team_id if claimer.team_id is not None else customer.team_id
    customer.pooled_at = None
    customer.updated_at = now
    session.add(customer)
    session.flush()
    move_open_deals(session, select(Customer.id).where(Customer.id == customer.id), to_user_id=claimer.id, now=now)
    return Taken(customer, release.previous_owner_id, release.released_at)


__all__ = ["Taken", "due_for_release", "in_pool", "open_claims", "pool_teams", "release_after", "release_due",
           "silent_since", "take"]
