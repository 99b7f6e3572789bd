"""Mapping platform accounts to crmbot users, and applying roles and teams from config."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from bot.messages import Incoming
from config.settings import Settings
from storage.models import ManagerTeam, Team, User, UserIdentity

_NAME_CHARS = re.compile(r"[^\w.\-]+", re.UNICODE)


def resolve_user(session: Session, incoming: Incoming, settings: Settings) -> User:
    """The crmbot user behind `incoming`, created on first use as a rep unless config names a role."""
    identity = session.exec(
        select(UserIdentity).where(
            UserIdentity.platform == incoming.platform,
            UserIdentity.workspace == incoming.workspace,
            UserIdentity.external_id == incoming.user_id,
        )
    ).first()
    if identity is not None:
        user = session.get(User, identity.user_id)
        assert user is not None
        apply_config(session, user, settings, platform_id=f"{incoming.platform}:{incoming.user_id}")
        return user

    tenant = settings.tenant_for(incoming.platform, incoming.workspace)
    base = _user_name(incoming.user_name or incoming.user_id)
    user = User(
        tenant=tenant,
        name=_unique_name(session, tenant, base),
        display_name=incoming.user_name or incoming.user_id,
        timezone=_valid_zone(incoming.user_timezone),
    )
    session.add(user)
    session.flush()
    session.add(
        UserIdentity(
            user_id=user.id,
            platform=incoming.platform,
            workspace=incoming.workspace,
            external_id=incoming.user_id,
            dm_channel=incoming.channel if incoming.is_direct else None,
        )
    )
    session.flush()
    apply_config(session, user, settings, platform_id=f"{incoming.platform}:{incoming.user_id}")
    return user


def apply_config(session: Session, user: User, settings: Settings, *, platform_id: str) -> None:
    """Make the user's role, team and managed teams match config (config is the source of truth)."""
    names = {user.name.lower(), platform_id.lower()}

    def listed(entries: list[str]) -> bool:
        return any(entry.lower() in names for entry in entries)

    role = "admin" if listed(settings.roles.admins) else None
    for team_cfg in settings.teams:
        is_manager = listed(team_cfg.managers)
        is_member = listed(team_cfg.members)
        if not (is_manager or is_member):
            continue
        team = ensure_team(session, user.tenant, team_cfg.name, shares=team_cfg.shares_customers)
        if is_member and user.team_id is None:
            user.team_id = team.id
        if is_manager:
            role = role or "manager"
            if user.team_id is None:
                user.team_id = team.id
            if session.get(ManagerTeam, (user.id, team.id)) is None:
                session.add(ManagerTeam(manager_id=user.id, team_id=team.id))
    if role is not None and user.role != role:
        user.role = role
    session.add(user)
    session.flush()


def ensure_team(session: Session, tenant: str, name: str, *, shares: bool = False) -> Team:
    """The team called `name` in `tenant`, created (or its sharing flag synced) from config."""
    team = session.exec(select(Team).where(Team.tenant == tenant, Team.name == name)).first()
    if team is None:
        team = Team(tenant=tenant, name=name, shares_customers=shares)
        session.add(team)
        session.flush()
    elif team.shares_customers != shares:
        team.shares_customers = shares
        session.add(team)
    return team


def find_user(session: Session, *, tenant: str, reference: str, platform: str | None = None) -> list[User]:
    """Users of `tenant` matching a reference: ``@<platform id>``, a name or a display name."""
    ref = reference.strip().lstrip("@")
    if not ref:
        return []
    query = select(User).join(UserIdentity, UserIdentity.user_id == User.id).where(
        User.tenant == tenant, UserIdentity.external_id == ref
    )
    if platform:
        query = query.where(UserIdentity.platform == platform)
    by_id = session.exec(query).all()
    if by_id:
        return list({u.id: u for u in by_id}.values())
    lowered = ref.lower()
    users = session.exec(select(User).where(User.tenant == tenant, User.deactivated_at.is_(None))).all()
    exact = [u for u in users if u.name.lower() == lowered or u.display_name.lower() == lowered]
    if exact:
        return exact
    return [u for u in users if u.name.lower().startswith(lowered) or u.display_name.lower().startswith(lowered)]


def _user_name(raw: str) -> str:
    name = _NAME_CHARS.sub("_", raw.strip()).strip("_")
    return (name or "user")[:100]


def _unique_name(session: Session, tenant: str, base: str) -> str:
    name, n = base, 1
    while session.exec(select(User.id).where(User.tenant == tenant, User.name == name)).first() is not None:
        n += 1
        name = f"{base}{n}"
    return name


def _valid_zone(zone: str | None) -> str | None:
    if not zone:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return zone
