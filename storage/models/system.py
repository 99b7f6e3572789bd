"""Bookkeeping tables: audit log, message dedupe, the notification outbox, shared cards, chats."""

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.timeutil import utcnow


class AuditLog(SQLModel, table=True):
    """Who did what to which record, from which platform, with before/after as JSON text."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"), Index("ix_audit_at", "tenant", "at"))

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    platform: str = Field(max_length=16)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    before: str | None = None
    after: str | None = None
    at: datetime = Field(default_factory=utcnow)


class ProcessedMessage(SQLModel, table=True):
    """A platform message / event id already handled, so redeliveries and retries act once."""

    __tablename__ = "processed_message"

    platform: str = Field(max_length=16, primary_key=True)
    message_key: str = Field(max_length=200, primary_key=True)
    processed_at: datetime = Field(default_factory=utcnow, index=True)


class NotificationOutbox(SQLModel, table=True):
    """One notification occasion for one target; the unique key makes enqueueing idempotent.

    `due_date` is the recipient-local date of the occasion (birthday date, follow-up due date, ISO week
    start for churn, digest date). `channel` names the target, e.g. ``slack:T1:D123`` or ``console:alice``.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "due_date", "channel", name="uq_outbox_occasion"),
        Index(
            "ix_outbox_pending",
            "status",
            "not_before",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        # A claim walks this in channel order to find its next audiences, then reads their rows by range.
        Index(
            "ix_outbox_open_audience",
            "channel",
            "status",
            "not_before",
            "lease_until",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    subject_id: int
    due_date: date
    channel: str = Field(max_length=200)
    recipient_id: int | None = Field(default=None, foreign_key="app_user.id")
    payload: str | None = None
    status: str = Field(default="pending", max_length=12)
    not_before: datetime = Field(default_factory=utcnow)
    stale_after: datetime | None = None
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    provider_msg_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow)


class SchedulerState(SQLModel, table=True):
    """Named instants the scheduler remembers across restarts (``enqueue``: the last complete enqueue pass).

    A bot that was down longer than its usual catch-up window reads how long it was away from here.
    """

    __tablename__ = "scheduler_state"

    name: str = Field(max_length=32, primary_key=True)
    at: datetime


class SharedCard(SQLModel, table=True):
    """A customer card posted into a channel; its thread is the customer's discussion.

    Sharing the customer again in that channel replaces the card (`replaced_at`): one live card per customer and
    channel (a unique partial index), which is the one kept up to date; an older card's thread still logs.
    """

    __tablename__ = "shared_card"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", "message_id", name="uq_shared_card_message"),
        Index("ix_shared_card_customer", "customer_id"),
        Index(
            "uq_shared_card_live",
            "customer_id",
            "platform",
            "workspace",
            "channel",
            unique=True,
            postgresql_where=text("replaced_at IS NULL"),
            sqlite_where=text("replaced_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=64)
    channel: str = Field(max_length=128)
    message_id: str = Field(max_length=128)
    shared_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    replaced_at: datetime | None = None


class ChatConversation(SQLModel, table=True):
    """A group / channel the bot has seen (DingTalk group sends need its openConversationId)."""

    __tablename__ = "chat_conversation"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "conversation_id", name="uq_chat_conversation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=64)
    conversation_id: str = Field(max_length=128)
    title: str | None = Field(default=None, max_length=200)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    last_seen_at: datetime = Field(default_factory=utcnow)


class DigestSubscription(SQLModel, table=True):
    """Where a manager's daily / weekly digest goes: their DM or a channel (`digest … here|off`)."""

    __tablename__ = "digest_subscription"
    __table_args__ = (UniqueConstraint("manager_id", "kind", name="uq_digest_manager_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=8)  # daily / weekly
    target: str = Field(max_length=200)  # "dm" or a channel key like slack:T1:C123
    enabled: bool = True
    updated_at: datetime = Field(default_factory=utcnow)
    last_sent_on: date | None = None


class DataVersion(SQLModel, table=True):
    """Which version of a derived data set the stored rows were computed with (e.g. customer search keys),
    so a new version of the code can bring existing rows up to date once."""

    __tablename__ = "data_version"

    name: str = Field(max_length=64, primary_key=True)
    version: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow)
