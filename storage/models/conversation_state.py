"""Conversation state shared by every replica: the sends each group received lately (for the platform's
per-group rate limit). Prompts awaiting a person's answer live on their `User` row."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class GroupSend(SQLModel, table=True):
    """One message the bot sent into a group, kept for a minute: the count of the last minute is what a
    platform's per-group rate limits, whichever replica sent it."""

    __tablename__ = "group_send"
    __table_args__ = (Index("ix_group_send_target", "target", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=240)  # platform:workspace:group
    sent_at: datetime
