"""Customer care: survey links (满意度调查) and their signing secret, loyalty points (积分), merges of
duplicate customers (合并) and the weekly scan's likely duplicates."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, text
from sqlmodel import Field, SQLModel

from storage.timeutil import utcnow

SURVEY_SCALES = ("five", "nps")


class SurveyInvite(SQLModel, table=True):
    """A survey link sent to a customer: bound to the customer (and a contact), single-use, expiring.

    The link's token is signed with the server secret over the row's id, customer, contact, expiry and
    `nonce`; `answered_at` is set by the one conditional UPDATE that accepts the answer, so a second
    submission (even a concurrent one) finds it set and stores nothing. `source_kind` / `source_id` name
    what the survey is about beyond an order (a ticket, …) so answers can be linked back to it.
    """

    __tablename__ = "survey_invite"
    __table_args__ = (
        Index("ix_survey_invite_customer", "customer_id", "created_at"),
        CheckConstraint("scale IN ('five', 'nps')", name="ck_survey_invite_scale"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    customer_id: int = Field(foreign_key="customer.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    source_kind: str | None = Field(default=None, max_length=24)
    source_id: int | None = None
    nonce: str = Field(max_length=32)
    scale: str = Field(default="five", max_length=8)
    lang: str = Field(default="zh", max_length=8)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    answered_at: datetime | None = None


class AppSecret(SQLModel, table=True):
    """Secrets the server generates once and every replica shares (the survey-link signing key)."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)


class LoyaltyAccount(SQLModel, table=True):
    """A customer's points balance (积分余额); the CHECK makes a negative balance impossible."""

    __tablename__ = "loyalty_account"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_loyalty_account_balance"),)

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    tenant: str = Field(max_length=120)
    balance: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class PointsEntry(SQLModel, table=True):
    """One change of a customer's points: earned (by a paid order), redeemed, expired, reversed, merged.

    `balance_after` is the balance once applied; `remaining` is what is left of an earned entry (redemptions
    and expiry take from it), `expires_on` the day an earned entry's unspent points expire.
    """

    __tablename__ = "points_entry"
    __table_args__ = (
        Index("ix_points_entry_customer", "customer_id", "created_at"),
        Index("ix_points_entry_order", "order_id"),
        Index("ix_points_entry_expiring", "expires_on",
              postgresql_where=text("remaining > 0"), sqlite_where=text("remaining > 0")),
        CheckConstraint("balance_after >= 0", name="ck_points_entry_balance"),
        CheckConstraint("remaining >= 0", name="ck_points_entry_remaining"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=16)
    delta: int
    balance_after: int
    remaining: int = 0
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    reason: str | None = Field(default=None, max_length=500)
    expires_on: date | None = None
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CustomerMerge(SQLModel, table=True):
    """A merge of `drop_id` into `keep_id`: which rows moved (ids per table, JSON), which fields were filled
    (before / after, JSON) and the notes the undo needs. A customer is merged away at most once at a time."""

    __tablename__ = "customer_merge"
    __table_args__ = (
        Index("uq_customer_merge_live_drop", "drop_id", unique=True,
              postgresql_where=text("undone_at IS NULL"), sqlite_where=text("undone_at IS NULL")),
        Index("ix_customer_merge_keep", "keep_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    keep_id: int = Field(foreign_key="customer.id")
    drop_id: int = Field(foreign_key="customer.id")
    merged_by: int = Field(foreign_key="app_user.id")
    merged_at: datetime = Field(default_factory=utcnow)
    moved: str = Field(sa_type=Text)
    filled: str = Field(sa_type=Text)
    notes: str = Field(sa_type=Text)
    undone_at: datetime | None = None
    undone_by: int | None = Field(default=None, foreign_key="app_user.id")


class DuplicatePair(SQLModel, table=True):
    """A likely duplicate pair found by the weekly scan (the lower id first); the digest lists new ones."""

    __tablename__ = "duplicate_pair"
    __table_args__ = (Index("ix_duplicate_pair_found", "tenant", "found_at"),)

    low_id: int = Field(foreign_key="customer.id", primary_key=True)
    high_id: int = Field(foreign_key="customer.id", primary_key=True)
    tenant: str = Field(max_length=120)
    reason: str = Field(max_length=16)
    score: int
    found_at: datetime = Field(default_factory=utcnow)


class JobRun(SQLModel, table=True):
    """A periodic job that ran for a period (``duplicate_scan`` / ``2026-W47``): replicas run it once."""

    __tablename__ = "job_run"

    name: str = Field(primary_key=True, max_length=40)
    period: str = Field(primary_key=True, max_length=20)
    ran_at: datetime = Field(default_factory=utcnow)
