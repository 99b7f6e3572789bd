"""Service and automation: tickets (工单) with their timeline, saved segments (分群), campaigns (活动)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.timeutil import utcnow

TICKET_KINDS = ("complaint", "request")
TICKET_PRIORITIES = ("high", "normal", "low")
TICKET_ACTIONS = ("open", "note", "assign", "close", "reopen")
OPEN_TICKET = "closed_at IS NULL"


class Ticket(SQLModel, table=True):
    """A complaint or request (投诉 / 工单) of a customer, assigned to a person and followed to closure.

    Referenced as ``T<id>``. `due_at` is the deadline (UTC) from the priority's default or the one typed;
    a closed ticket carries its resolution (a check constraint), a reopened one loses it again.
    """

    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint("kind IN ('complaint', 'request')", name="ck_ticket_kind"),
        CheckConstraint("priority IN ('high', 'normal', 'low')", name="ck_ticket_priority"),
        CheckConstraint("closed_at IS NULL OR resolution IS NOT NULL", name="ck_ticket_closed_resolved"),
        Index("ix_ticket_open_due", "due_at", postgresql_where=text(OPEN_TICKET), sqlite_where=text(OPEN_TICKET)),
        Index("ix_ticket_customer", "customer_id", "closed_at"),
        Index("ix_ticket_assignee", "assignee_id", "closed_at"),
        Index("ix_ticket_tenant_closed", "tenant", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(default="request", max_length=16)
    priority: str = Field(default="normal", max_length=8)
    text: str = Field(max_length=2000)
    assignee_id: int = Field(foreign_key="app_user.id")
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    due_at: datetime
    closed_at: datetime | None = None
    closed_by: int | None = Field(default=None, foreign_key="app_user.id")
    resolution: str | None = Field(default=None, max_length=1000)
    reopened: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's timeline: opened, a note, a reassignment, closed, reopened."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        CheckConstraint("action IN ('open', 'note', 'assign', 'close', 'reopen')", name="ck_ticket_event_action"),
        Index("ix_ticket_event_ticket", "ticket_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    author_id: int = Field(foreign_key="app_user.id")
    action: str = Field(max_length=8)
    text: str | None = Field(default=None, max_length=2000)
    at: datetime = Field(default_factory=utcnow)


class Segment(SQLModel, table=True):
    """A saved, named customer filter (分群) in the ``key:value`` grammar; a manager may share it with a team.

    The name is unique per author (`name_key`: lower case); the filter is stored as JSON of the parsed terms and
    evaluated at each use, so a segment always lists who matches now.
    """

    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("tenant", "author_id", "name_key", name="uq_segment_author_name"),
        Index("ix_segment_team", "tenant", "team_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    author_id: int = Field(foreign_key="app_user.id")
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    filters: str = Field(max_length=2000)
    team_id: int | None = Field(default=None, foreign_key="team.id")  # shared with this team
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Campaign(SQLModel, table=True):
    """A campaign (活动): one next step for every customer of a segment, for its owner (`followup.campaign_id`)."""

    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("tenant", "name_key", name="uq_campaign_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    segment_id: int = Field(foreign_key="segment.id")
    created_by: int = Field(foreign_key="app_user.id")
    step: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    targeted: int = 0
    skipped: int = 0


class AutomationRun(SQLModel, table=True):
    """One firing of an ``[[automation]]`` rule: unique per (rule, event, subject, occasion), so a rule acts once
    per occasion however many passes or replicas see it; its pushes are outbox rows whose subject is this row."""

    __tablename__ = "automation_run"
    __table_args__ = (
        UniqueConstraint("rule", "event", "subject_id", "occasion", name="uq_automation_run_occasion"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=60)
    event: str = Field(max_length=32)
    subject_id: int
    occasion: date
    customer_id: int = Field(foreign_key="customer.id")
    created_at: datetime = Field(default_factory=utcnow)
