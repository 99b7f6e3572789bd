"""Users, their platform identities, and teams."""

from datetime import datetime

from sqlalchemy import false
from sqlmodel import Field, SQLModel, UniqueConstraint

from storage.timeutil import utcnow

ROLES = ("rep", "manager", "admin")


class Team(SQLModel, table=True):
    """A sales team inside a tenant; `shares_customers` lets members see each other's book."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_team_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120, index=True)
    name: str = Field(max_length=80)
    shares_customers: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person using crmbot; one user may have identities on several platforms."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_user_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=120, index=True)
    name: str = Field(max_length=120)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(default="rep", max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    # The language the user last typed in, for pushes while `language` is automatic (None).
    last_language: str | None = Field(default=None, max_length=8)
    morning_hour: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    deactivated_at: datetime | None = None
    # Role and team were last set by the config; when the config stops naming the user they fall back to a
    # plain rep without a team. Users the config never named (the demo's organisation) keep what they have.
    roles_from_config: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # A question the bot asked and is waiting for (``跟进 <customer>`` without a note): the person's next message
    # in `prompt_channel` answers it until `prompt_expires_at`. Kept on the user's row, which every command
    # reads anyway, so no command pays a statement to learn there is nothing pending; any replica can take it.
    prompt_command: str | None = Field(default=None, max_length=32)
    prompt_customer_id: int | None = None
    prompt_platform: str | None = Field(default=None, max_length=16)
    prompt_channel: str | None = Field(default=None, max_length=200)
    prompt_expires_at: datetime | None = None


class UserIdentity(SQLModel, table=True):
    """How a platform account maps to a user (`console`/`slack`/`dingtalk`, workspace, external id)."""

    __tablename__ = "user_identity"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "external_id", name="uq_identity_platform_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=64)
    external_id: str = Field(max_length=128)
    # Where pushes to this user go on this platform (Slack DM channel id, DingTalk staff id).
    dm_channel: str | None = Field(default=None, max_length=128)
    # The address the platform itself reports for this account (Slack `users.info` profile email), lower
    # case; `email:<address>` entries in the config match only this, never anything a user typed.
    email: str | None = Field(default=None, max_length=320, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ManagerTeam(SQLModel, table=True):
    """A manager's responsibility for a team (a manager may lead several)."""

    __tablename__ = "manager_team"

    manager_id: int = Field(foreign_key="app_user.id", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)
