"""The customer profile (客户资料卡) and its key contacts."""

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from storage.timeutil import utcnow

CUSTOMER_KINDS = ("company", "person")
TIERS = ("vip", "key", "normal")
STAGES = ("lead", "first_purchase", "repeat", "loyal", "at_risk", "churned")


class Customer(SQLModel, table=True):
    """A customer, owned by a rep; search keys (name_key, pinyin, phone, email) are stored normalised."""

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_tenant_name", "tenant", "name"),
        Index("ix_customer_tenant_name_key", "tenant", "name_key"),
        Index("ix_customer_tenant_pinyin", "tenant", "pinyin_full"),
        Index("ix_customer_tenant_initials", "tenant", "pinyin_initials"),
        Index("ix_customer_tenant_phone", "tenant", "phone"),
        Index("ix_customer_tenant_email", "tenant", "email"),
        Index("ix_customer_tenant_region", "tenant", "region"),
        Index("ix_customer_tenant_tier", "tenant", "tier"),
        Index("ix_customer_owner", "owner_id", "deleted_at"),
        Index("ix_customer_team", "team_id"),
        Index(
            "ix_customer_next_followup",
            "next_followup_at",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    name: str = Field(max_length=200)
    name_key: str = Field(default="", max_length=200)
    pinyin_full: str = Field(default="", max_length=400)
    pinyin_initials: str = Field(default="", max_length=200)
    kind: str = Field(default="company", max_length=16)
    industry: str | None = Field(default=None, max_length=80)
    region: str | None = Field(default=None, max_length=80)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=80)
    # Tags stored as ",a,b," so that one LIKE '%,tag,%' finds a tag without a join.
    tags: str = Field(default="", max_length=500)
    owner_id: int = Field(foreign_key="app_user.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    tier: str = Field(default="normal", max_length=16)
    tier_manual: bool = False
    stage: str = Field(default="lead", max_length=24)
    next_followup_at: datetime | None = None
    next_step: str | None = Field(default=None, max_length=500)
    last_contact_at: datetime | None = None
    notes: str | None = Field(default=None, max_length=4000)
    timezone: str | None = Field(default=None, max_length=64)
    snoozed_until: date | None = None
    merged_into_id: int | None = None  # merged away (`merge`): the customer it now lives in
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    # In the team's public pool (公海) since then: its owner (`owner_id`, kept for the record) no longer has it.
    pooled_at: datetime | None = None


class Contact(SQLModel, table=True):
    """A key contact (关键联系人) of a customer; birthdays are solar or lunar, the year optional."""

    __tablename__ = "contact"
    __table_args__ = (
        Index("ix_contact_customer", "customer_id"),
        Index("ix_contact_birthday", "birthday_is_lunar", "birthday_month", "birthday_day"),
        Index("ix_contact_phone", "phone"),
        Index("ix_contact_email", "email"),
        Index("ix_contact_name", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    name: str = Field(max_length=120)
    title: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    birthday_month: int | None = None
    birthday_day: int | None = None
    birthday_is_lunar: bool = False
    birthday_is_leap_month: bool = False
    birthday_year: int | None = None
    greeting_language: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
