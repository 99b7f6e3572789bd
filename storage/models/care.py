"""Customer care: survey links (满意度调查) and the server secret that signs them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
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
