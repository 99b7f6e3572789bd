"""Orders with receivables (交易/回款), contracts (合同) and opportunities (商机)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.timeutil import utcnow


class Order(SQLModel, table=True):
    """A purchase; `payment_due` + `paid_at` let overdue receivables be chased."""

    __tablename__ = "sales_order"  # "order" is an SQL keyword
    __table_args__ = (
        Index("ix_order_customer", "customer_id", "ordered_on"),
        Index(
            "ix_order_unpaid_due",
            "payment_due",
            postgresql_where=text("paid_at IS NULL AND deleted_at IS NULL"),
            sqlite_where=text("paid_at IS NULL AND deleted_at IS NULL"),
        ),
        Index("ix_order_deal", "deal_id", unique=True, postgresql_where=text("deal_id IS NOT NULL"),
              sqlite_where=text("deal_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    amount: Decimal = Field(sa_type=Numeric(14, 2))
    currency: str = Field(default="CNY", max_length=3)
    ordered_on: date
    items: str | None = Field(default=None, max_length=1000)
    payment_due: date | None = None
    paid_at: datetime | None = None
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    # The deal this order closed (`won D3 order`); a deal closes into one order at most (ix_order_deal).
    deal_id: int | None = Field(default=None, foreign_key="opportunity.id")


class Opportunity(SQLModel, table=True):
    """A deal (商机), referenced as ``D<id>``, moving through the pipeline's stages until won or lost.

    `stage` holds a stage key of the registry (`bot.pipeline.stages`); `status` is ``open`` until the deal
    closes, then the closing stage itself (the check constraint keeps the two in step). `stage_since` is
    when the deal entered its current stage (what "stuck" is measured from)."""

    __tablename__ = "opportunity"
    __table_args__ = (
        CheckConstraint(
            "(status = 'open' AND stage NOT IN ('won', 'lost')) OR (status IN ('won', 'lost') AND stage = status)",
            name="ck_opportunity_status_stage",
        ),
        Index("ix_opportunity_owner_status", "owner_id", "status"),
        Index("ix_opportunity_tenant_status", "tenant", "status", "expected_close"),
        Index("ix_opportunity_open_close", "expected_close",
              postgresql_where=text("status = 'open' AND deleted_at IS NULL"),
              sqlite_where=text("status = 'open' AND deleted_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(default="", max_length=120)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner_id: int = Field(foreign_key="app_user.id")
    title: str = Field(max_length=200)
    amount: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    currency: str = Field(default="CNY", max_length=3)
    stage: str = Field(default="qualify", max_length=24)
    expected_close: date | None = None
    status: str = Field(default="open", max_length=8)  # open / won / lost
    stage_since: datetime = Field(default_factory=utcnow)
    lost_reason: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None


class DealStageVisit(SQLModel, table=True):
    """One stay of a deal in one stage (its stage history); the current stay has no `left_at`, and a deal has
    exactly one current stay (ix_deal_stage_current). A stuck-deal alert is keyed by the stay it is about."""

    __tablename__ = "deal_stage"
    __table_args__ = (
        Index("ix_deal_stage_deal", "deal_id", "entered_at"),
        Index("ix_deal_stage_current", "deal_id", unique=True, postgresql_where=text("left_at IS NULL"),
              sqlite_where=text("left_at IS NULL")),
        Index("ix_deal_stage_open_since", "entered_at", postgresql_where=text("left_at IS NULL"),
              sqlite_where=text("left_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="opportunity.id")
    stage: str = Field(max_length=24)
    entered_at: datetime
    entered_on: date  # the UTC day of `entered_at`: the stuck alert's occasion key (one per stay)
    left_at: datetime | None = None
    by_user_id: int | None = Field(default=None, foreign_key="app_user.id")


# A contract that is neither terminated nor deleted: what renewal reminders and the card read.
LIVE_CONTRACT = "ended_on IS NULL AND deleted_at IS NULL"


class Contract(SQLModel, table=True):
    """A contract (合同) of a customer, referred to as ``C<id>``; `renew` links its successor.

    The database keeps the rules no interleaving may break: one successor per contract (a unique
    `renewed_from_id`, so two concurrent renewals, or a renewal racing the automatic roll-forward, make one),
    an end never before the start, a positive amount.
    """

    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("renewed_from_id", name="uq_contract_renewed_from"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_contract_term"),
        CheckConstraint("amount IS NULL OR amount > 0", name="ck_contract_amount"),
        Index("ix_contract_customer", "customer_id", "ends_on"),
        # Renewal reminders read the live contracts ending within a window of days.
        Index("ix_contract_live_end", "ends_on", postgresql_where=text(LIVE_CONTRACT),
              sqlite_where=text(LIVE_CONTRACT)),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    title: str = Field(max_length=200)
    amount: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    currency: str = Field(default="CNY", max_length=3)
    starts_on: date
    ends_on: date | None = None
    auto_renew: bool = False
    renewed_from_id: int | None = Field(default=None, foreign_key="contract.id")
    ended_on: date | None = None  # terminated early by `end` (终止)
    end_reason: str | None = Field(default=None, max_length=500)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
