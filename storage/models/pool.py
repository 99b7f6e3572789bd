"""The public pool (公海): each release of a customer into its team's pool, and the one claim that ends it."""

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class PoolRelease(SQLModel, table=True):
    """A customer returned to its team's pool: from whom, when; `ended_at` once claimed or assigned.

    A customer is in the pool at most once at a time (ix_pool_release_open)."""

    __tablename__ = "pool_release"
    __table_args__ = (
        Index("ix_pool_release_open", "customer_id", unique=True, postgresql_where=text("ended_at IS NULL"),
              sqlite_where=text("ended_at IS NULL")),
        Index("ix_pool_release_team", "tenant", "team_id", "released_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    customer_id: int = Field(foreign_key="customer.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    previous_owner_id: int = Field(foreign_key="app_user.id")
    released_at: datetime
    released_on: date  # the UTC day of `released_at`: the previous owner's notice is keyed by the release
    ended_at: datetime | None = None


class PoolClaim(SQLModel, table=True):
    """Who took a released customer (a claim by a rep, or a manager's assign): one per release, by its key, so
    of two reps claiming at once exactly one wins."""

    __tablename__ = "pool_claim"
    __table_args__ = (Index("ix_pool_claim_claimer", "claimer_id", "claimed_at"),)

    release_id: int = Field(primary_key=True, foreign_key="pool_release.id")
    customer_id: int = Field(foreign_key="customer.id")
    claimer_id: int = Field(foreign_key="app_user.id")
    assigned_by: int | None = Field(default=None, foreign_key="app_user.id")
    claimed_at: datetime
