"""What happens with a customer over time: follow-ups, reminders, satisfaction scores."""

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from storage.timeutil import utcnow

FOLLOWUP_KINDS = ("call", "visit", "message", "email", "meeting", "note", "survey")


class FollowUp(SQLModel, table=True):
    """A follow-up record (跟进记录), optionally carrying the next step and when it is due.

    `next_due_date` is the owner's local date of the next step; `next_due_at` the UTC instant (for a
    date-only step: the owner's morning hour that day). `done_at` closes the next step. A customer has at most
    one open next step (a unique partial index).
    """

    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_customer_happened", "customer_id", "happened_at"),
        # Covers a customer's live contact history (churn scoring reads min/max/distinct days from it alone).
        Index(
            "ix_followup_customer_live",
            "customer_id",
            "happened_at",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        Index(  # the columns the scheduler's due scans read, so they stay in the index (migration 0006)
            "ix_followup_open_due",
            "next_due_at",
            "next_due_has_time",
            "next_due_date",
            "customer_id",
            postgresql_where=text("next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL"),
            sqlite_where=text("next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL"),
        ),
        Index(  # a scope's open steps, reached through its customers (`today`; migration 0012)
            "ix_followup_customer_open",
            "customer_id",
            "next_due_at",
            postgresql_where=text("next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL"),
            sqlite_where=text("next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL"),
        ),
        Index("ix_followup_author_happened", "author_id", "happened_at"),
        Index(  # a campaign's steps (progress per rep)
            "ix_followup_campaign",
            "campaign_id",
            postgresql_where=text("campaign_id IS NOT NULL"),
            sqlite_where=text("campaign_id IS NOT NULL"),
        ),
        Index(  # one open next step per customer, whatever the interleaving of writers (migration 0010)
            "uq_followup_one_open_step",
            "customer_id",
            unique=True,
            postgresql_where=text("next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL"),
            sqlite_where=text("next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    author_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(default="note", max_length=16)
    text: str = Field(max_length=4000)
    happened_at: datetime = Field(default_factory=utcnow)
    next_step: str | None = Field(default=None, max_length=500)
    next_due_at: datetime | None = None
    next_due_date: date | None = None
    next_due_has_time: bool = False
    done_at: datetime | None = None
    source_platform: str | None = Field(default=None, max_length=16)
    source_channel: str | None = Field(default=None, max_length=128)
    source_thread: str | None = Field(default=None, max_length=128)
    source_message_id: str | None = Field(default=None, max_length=128)
    # The campaign that planned this step (`campaign`), None for steps people logged.
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    source_url: str | None = Field(default=None, max_length=500)  # the message logged by a shortcut (migration 0019)
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None


class Reminder(SQLModel, table=True):
    """A personal reminder / task: due at an instant (UTC) in the assignee's zone."""

    __tablename__ = "reminder"
    __table_args__ = (
        Index(
            "ix_reminder_open_due",
            "due_at",
            postgresql_where=text("done_at IS NULL AND deleted_at IS NULL"),
            sqlite_where=text("done_at IS NULL AND deleted_at IS NULL"),
        ),
        Index("ix_reminder_assignee", "assignee_id", "done_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    assignee_id: int = Field(foreign_key="app_user.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    due_at: datetime
    due_date: date
    due_has_time: bool = True
    timezone: str = Field(max_length=64)
    text: str = Field(max_length=1000)
    done_at: datetime | None = None
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None


class Satisfaction(SQLModel, table=True):
    """A satisfaction score (满意度), tied to a follow-up or an order; answers to survey links carry their invite.

    `scale` is ``five`` (1–5) or ``nps`` (0–10); `low` records whether the score was at or below the alert
    threshold when it came in (the alert is enqueued from it, so a later config change does not re-alert).
    One answer per invite (a unique index): a link is single-use whatever the interleaving of submissions.
    """

    __tablename__ = "satisfaction"
    __table_args__ = (
        Index("ix_satisfaction_customer_created", "customer_id", "created_at"),
        Index("uq_satisfaction_invite", "invite_id", unique=True),
        Index("ix_satisfaction_low_created", "created_at",
              postgresql_where=text("low"), sqlite_where=text("low")),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    followup_id: int | None = Field(default=None, foreign_key="followup.id")
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    invite_id: int | None = Field(default=None, foreign_key="survey_invite.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    scale: str = Field(default="five", max_length=8)
    low: bool = False
    source_kind: str | None = Field(default=None, max_length=24)
    source_id: int | None = None
    answered_on: date | None = None  # the owner's local date of the answer (the alert's occasion)
    score: int
    comment: str | None = Field(default=None, max_length=1000)
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
