"""Orders with receivables (交易/回款) and opportunities (商机)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, text
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


class Opportunity(SQLModel, table=True):
    """A sales opportunity moving through pipeline stages until won or lost."""

    __tablename__ = "opportunity"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner_id: int = Field(foreign_key="app_user.id")
    title: str = Field(max_length=200)
    amount: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    currency: str = Field(default="CNY", max_length=3)
    stage: str = Field(default="qualify", max_length=24)
    expected_close: date | None = None
    status: str = Field(default="open", max_length=8)  # open / won / lost
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
