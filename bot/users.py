"""Mapping platform accounts to crmbot users, and applying roles and teams from the config.

A user is found by the identity the platform proves (``slack`` member id, ``dingtalk`` staff id, terminal
login), never by a display name: two people who call themselves "root" are two users, and neither is the
config's ``root`` unless that is their terminal login. Config entries name identities (see
`config.settings.parse_identity`); ``email:<address>`` matches only the address the platform reports.

The config is the source of truth: `sync_config` (every start, every reload) gives everyone it names their
role, team and managed teams, takes them away from people it no longer names, and writes each change to
the audit log. First contact is safe under concurrency: the identity's unique key decides, inside a
savepoint, and a loser reads the winner's row.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from bot import platforms
from bot.access import reach_columns, remember_reach
from bot.messages import Incoming
from config.settings import IdentityRef, Settings, parse_identity
from storage.models import AuditLog, Customer, ManagerTeam, Team, User, UserIdentity
from storage.timeutil import utcnow

log = logging.getLogger("crmbot.users")
_NAME_CHARS = re.compile(r"[^\w.\-]+", re.UNICODE)
# Each retry means another request created the same identity or took the same name meanwhile.
_CREATE_ATTEMPTS = 8
CONFIG_PLATFORM = "config"


# -- finding and creating users ----------------------------------------------------------------------------


_NOT_READ = object()


def resolve_user(session: Session, incoming: Incoming, settings: Settings, *, known: Any = _NOT_READ) -> User:
    """The crmbot user behind `incoming`, created on first contact (as config says, else a plain rep).

    What the platform reports later (DM channel, e-mail address) is kept on the identity; a newly reported
    address re-applies the config, since ``email:`` entries may now match. `known` is what `identity_from`
    made of `identity_columns` read by another statement (the message claim); without it they are read here.
    """
    if known is _NOT_READ:
        found = _identity_and_user(session, incoming.platform, incoming.workspace, incoming.user_id)
    else:
        found = known
    if found is None:
        user, identity = _create(
            session,
            tenant=settings.tenant_for(incoming.platform, incoming.workspace),
            platform=incoming.platform,
            workspace=incoming.workspace,
            external_id=incoming.user_id,
            label=incoming.user_name or incoming.user_id,
            timezone=_valid_zone(incoming.user_timezone),
            dm_channel=incoming.channel if incoming.is_direct else None,
            email=_email(incoming.user_email),
        )
        apply_config(session, user, settings)
        if incoming.workspace and _first_in_workspace(session, identity):
            _create_named(session, settings, incoming.platform, incoming.workspace)
        return user
    identity, known = found
    changed_email = _note_reports(session, known, identity, incoming)
    if changed_email:
        apply_config(session, known, settings)
    return known


def _note_reports(session: Session, user: User, identity: UserIdentity, incoming: Incoming) -> bool:
    """Keep what the platform tells about a known account; True when its e-mail address changed."""
    dirty = False
    if incoming.is_direct and identity.dm_channel is None and incoming.channel:
        identity.dm_channel = incoming.channel
        dirty = True
    email = _email(incoming.user_email)
    changed_email = email is not None and email != identity.email
    if changed_email:
        identity.email = email
        dirty = True
    if dirty:
        session.add(identity)
    # Someone the config named before they ever wrote carries their id as a name; adopt the real one.
    if incoming.user_name and user.display_name == identity.external_id and incoming.user_name != user.display_name:
        user.display_name = incoming.user_name
        user.timezone = user.timezone or _valid_zone(incoming.user_timezone)
        session.add(user)
    return changed_email


def _identity_and_user(session: Session, platform: str, workspace: str,
                       external_id: str) -> tuple[UserIdentity, User] | None:
    """The identity, its user and what the user may see (`bot.access.reach_columns`) in one statement: every
    command starts here, one round trip instead of three."""
    reach = reach_columns(User.id, session.get_bind().dialect.name, team_id=User.team_id)
    row = session.exec(
        select(UserIdentity, User, *reach).join(User, User.id == UserIdentity.user_id).where(
            UserIdentity.platform == platform,
            UserIdentity.workspace == workspace,
            UserIdentity.external_id == external_id,
        )
    ).first()
    if row is None:
        return None
    remember_reach(session, row[1].id, row[2], row[3])
    return row[0], row[1]


_IDENTITY_COLUMNS = tuple(UserIdentity.__table__.columns)
_USER_COLUMNS = tuple(User.__table__.columns)


def identity_columns(incoming: Incoming, dialect: str) -> list[Any]:
    """Scalar subqueries that read the identity of `incoming` and its user, to ride on another statement (the
    message claim's ``INSERT … RETURNING``): every command then starts with one round trip instead of two.

    RETURNING renders column names without their table, so each subquery names one table and reads the other
    through a nested subquery: an unqualified name always means the innermost table's column."""
    match = (UserIdentity.platform == incoming.platform, UserIdentity.workspace == incoming.workspace,
             UserIdentity.external_id == incoming.user_id)
    user_id = select(UserIdentity.user_id).where(*match).scalar_subquery()
    return ([select(column).where(*match).scalar_subquery() for column in _IDENTITY_COLUMNS]
            + [select(column).where(User.id == user_id).scalar_subquery() for column in _USER_COLUMNS]
            + reach_columns(user_id, dialect))


def identity_from(session: Session, values: Any) -> tuple[UserIdentity, User] | None:
    """The identity and user read by `identity_columns` (None: a first contact), attached to `session` as
    loaded rows (no statement is sent)."""
    values = tuple(values)
    split, end = len(_IDENTITY_COLUMNS), len(_IDENTITY_COLUMNS) + len(_USER_COLUMNS)
    if values[0] is None or values[split] is None:
        return None
    identity = UserIdentity(**{c.key: v for c, v in zip(_IDENTITY_COLUMNS, values[:split], strict=True)})
    user = User(**{c.key: v for c, v in zip(_USER_COLUMNS, values[split:end], strict=True)})
    remember_reach(session, user.id, *values[end:])  # type: ignore[arg-type]
    for instance in (identity, user):
        make_transient_to_detached(instance)
        session.add(instance)
    return identity, user


def _identity(session: Session, platform: str, workspace: str, external_id: str) -> UserIdentity | None:
    return session.exec(
        select(UserIdentity).where(
            UserIdentity.platform == platform,
            UserIdentity.workspace == workspace,
            UserIdentity.external_id == external_id,
        )
    ).first()


def _create(
    session: Session,
    *,
    tenant: str,
    platform: str,
    workspace: str,
    external_id: str,
    label: str,
    timezone: str | None,
    dm_channel: str | None,
    email: str | None,
) -> tuple[User, UserIdentity]:
    """Create the user and identity, or return the ones a concurrent request created first.

    The insert runs in a savepoint: on PostgreSQL a concurrent twin waits on the unique key and then fails
    with a unique violation, which rolls back only the savepoint; the next round reads the committed row.
    A clash on the user name (two different people called alike) picks the next free name.
    """
    base = _user_name(label)
    for _attempt in range(_CREATE_ATTEMPTS):
        user = User(tenant=tenant, name=_unique_name(session, tenant, base), display_name=label, timezone=timezone)
        try:
            with session.begin_nested():
                session.add(user)
                session.flush()
                assert user.id is not None
                identity = UserIdentity(user_id=user.id, platform=platform, workspace=workspace,
                                        external_id=external_id, dm_channel=dm_channel, email=email)
                session.add(identity)
                session.flush()
            return user, identity
        except IntegrityError:
            existing = _identity(session, platform, workspace, external_id)
            if existing is not None:
                winner = session.get(User, existing.user_id)
                assert winner is not None
                return winner, existing
    raise RuntimeError(f"could not create a user for {platform}:{workspace}/{external_id}")


def _first_in_workspace(session: Session, identity: UserIdentity) -> bool:
    other = session.exec(select(UserIdentity.id).where(
        UserIdentity.platform == identity.platform, UserIdentity.workspace == identity.workspace,
        UserIdentity.id != identity.id).limit(1)).first()
    return other is None


def _create_named(session: Session, settings: Settings, platform: str, workspace: str) -> None:
    """The bot meets a workspace for the first time: create everyone the config names there by a bare id."""
    entries = _Entries.of(settings)
    for ref in entries.every_ref():
        if ref.platform != platform or ref.workspace not in (None, workspace):
            continue
        if _identity(session, platform, workspace, ref.external_id) is None:
            user, _ = _create(session, tenant=settings.tenant_for(platform, workspace), platform=platform,
                              workspace=workspace, external_id=ref.external_id, label=ref.external_id,
                              timezone=None, dm_channel=None, email=None)
            apply_config(session, user, settings)


def find_user(
    session: Session, *, tenant: str, reference: str, platform: str | None = None, include_inactive: bool = False
) -> list[User]:
    """Users of `tenant` matching a reference: ``@<platform id>``, a name or a display name.

    Display names only help to *find* someone (an ambiguous one lists the candidates); they never grant.
    """
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
    everyone = session.exec(select(User).where(User.tenant == tenant)).all()
    active = [u for u in everyone if u.deactivated_at is None]
    found = _by_name(active, ref.lower())
    if found or not include_inactive:
        return found
    # Deactivated people are found only when nobody active answers to the name (for `handover`, `activate`).
    return _by_name([u for u in everyone if u.deactivated_at is not None], ref.lower())


def _by_name(users: list[User], lowered: str) -> list[User]:
    for exact in ([u for u in users if u.name.lower() == lowered],
                  [u for u in users if u.display_name.lower() == lowered]):
        if exact:
            return exact
    return [u for u in users if u.name.lower().startswith(lowered) or u.display_name.lower().startswith(lowered)]


# -- what the config says --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """What the config gives one user: role, home team and the teams they manage (names, config order)."""

    role: str = "rep"
    team: str | None = None
    manages: tuple[str, ...] = ()
    named: bool = False


@dataclass
class _Entries:
    admins: list[IdentityRef] = field(default_factory=list)
    teams: list[tuple[str, list[IdentityRef], list[IdentityRef]]] = field(default_factory=list)

    @classmethod
    def of(cls, settings: Settings) -> _Entries:
        entries = cls(admins=[parse_identity(e, local=platforms.local()) for e in settings.roles.admins])
        for team in settings.teams:
            entries.teams.append((team.name, [parse_identity(e, local=platforms.local()) for e in team.managers],
                                  [parse_identity(e, local=platforms.local()) for e in team.members]))
        return entries

    def every_ref(self) -> list[IdentityRef]:
        refs = list(self.admins)
        for _name, managers, members in self.teams:
            refs += managers + members
        return list(dict.fromkeys(refs))


def _matches(ref: IdentityRef, identities: Iterable[UserIdentity]) -> bool:
    for identity in identities:
        if ref.is_email:
            if identity.email is not None and identity.email == ref.external_id:
                return True
            continue
        if identity.platform != ref.platform or identity.external_id.lower() != ref.external_id.lower():
            continue
        if ref.workspace is None or identity.workspace.lower() == ref.workspace.lower():
            return True
    return False


def grant_for(settings: Settings, identities: list[UserIdentity]) -> Grant:
    """The role and teams the config gives the owner of `identities`."""
    entries = _Entries.of(settings)
    return _grant(entries, identities)


def _grant(entries: _Entries, identities: list[UserIdentity]) -> Grant:
    admin = any(_matches(ref, identities) for ref in entries.admins)
    manages = tuple(name for name, managers, _ in entries.teams if any(_matches(r, identities) for r in managers))
    member_of = [name for name, _, members in entries.teams if any(_matches(r, identities) for r in members)]
    named = admin or bool(manages) or bool(member_of)
    role = "admin" if admin else "manager" if manages else "rep"
    team = member_of[0] if member_of else manages[0] if manages else None
    return Grant(role=role, team=team, manages=manages, named=named)


def apply_config(session: Session, user: User, settings: Settings, *, platform_id: str | None = None,
                 now: datetime | None = None) -> bool:
    """Make the user's role, team and managed teams what the config says; True when something changed.

    Users the config never named keep what they have (a demo organisation); someone it named before and
    no longer names becomes a plain rep without a team. Each change is audited with before and after.
    """
    del platform_id  # identities are read from the database; kept for callers naming the one they used
    identities = list(session.exec(select(UserIdentity).where(UserIdentity.user_id == user.id)).all())
    return _apply(session, user, _grant(_Entries.of(settings), identities), settings, now=now or utcnow())


def _apply(session: Session, user: User, grant: Grant, settings: Settings, *, now: datetime) -> bool:
    if not grant.named and not user.roles_from_config:
        return False
    team_ids = {name: ensure_team(session, user.tenant, name, settings=settings).id for name in
                dict.fromkeys([*grant.manages, *([grant.team] if grant.team else [])])}
    wanted_team = team_ids[grant.team] if grant.team else None
    wanted_manages = {team_ids[name] for name in grant.manages}
    current_manages = set(session.exec(select(ManagerTeam.team_id).where(ManagerTeam.manager_id == user.id)).all())
    before = _state(session, user.role, user.team_id, current_manages)
    if (user.role, user.team_id, current_manages, user.roles_from_config) == (
            grant.role, wanted_team, wanted_manages, grant.named):
        return False
    moved = 0
    if user.team_id != wanted_team and wanted_team is not None:
        # The book follows its owner to the new team, so the new manager sees it and the old one no longer.
        moved = session.exec(  # type: ignore[call-overload]
            update(Customer).where(Customer.owner_id == user.id,
                                   or_(Customer.team_id.is_(None), Customer.team_id == user.team_id))
            .values(team_id=wanted_team)
        ).rowcount or 0
    for old_team in current_manages - wanted_manages:
        link = session.get(ManagerTeam, (user.id, old_team))
        if link is not None:
            session.delete(link)
    for new_team in wanted_manages - current_manages:
        session.add(ManagerTeam(manager_id=user.id, team_id=new_team))
    user.role, user.team_id, user.roles_from_config = grant.role, wanted_team, grant.named
    session.add(user)
    after = _state(session, grant.role, wanted_team, wanted_manages)
    if before != after:
        if moved:
            after["customers_moved"] = moved
        session.add(AuditLog(tenant=user.tenant, user_id=None, platform=CONFIG_PLATFORM, action="config",
                             entity="user", entity_id=user.id, before=_dump(before), after=_dump(after), at=now))
        log.info("config: %s %s -> %s", user.name, before, after)
    session.flush()
    return before != after


def _state(session: Session, role: str, team_id: int | None, manages: set[int]) -> dict[str, object]:
    names = {t.id: t.name for t in session.exec(select(Team).where(Team.id.in_({*manages, team_id or 0}))).all()}  # type: ignore[union-attr]
    return {"role": role, "team": names.get(team_id) if team_id else None,
            "manages": sorted(names[t] for t in manages if t in names)}


def _dump(values: dict[str, object]) -> str:
    import json

    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def ensure_team(session: Session, tenant: str, name: str, *, shares: bool | None = None,
                settings: Settings | None = None) -> Team:
    """The team called `name` in `tenant`, created (or its sharing flag synced) from config."""
    if shares is None:
        shares = any(t.shares_customers for t in (settings.teams if settings else []) if t.name == name)
    team = session.exec(select(Team).where(Team.tenant == tenant, Team.name == name)).first()
    if team is not None:
        if team.shares_customers != shares:
            team.shares_customers = shares
            session.add(team)
        return team
    try:
        with session.begin_nested():
            team = Team(tenant=tenant, name=name, shares_customers=shares)
            session.add(team)
            session.flush()
        return team
    except IntegrityError:  # a concurrent request created it: use theirs
        existing = session.exec(select(Team).where(Team.tenant == tenant, Team.name == name)).first()
        assert existing is not None
        return existing


# -- the config as the source of truth, at start and on reload ----------------------------------------------


@dataclass
class SyncReport:
    """What `sync_config` did: people created before their first message, users whose grants changed."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def sync_config(session: Session, settings: Settings, *, now: datetime | None = None) -> SyncReport:
    """Apply roles and teams from the config to everyone: additions, removals and moves, each audited.

    People the config names by an identity whose workspace is known (a terminal login, ``slack:T…/U…``,
    ``dingtalk:<corp>/<staffId>``, or a bare platform id in a workspace the bot already serves) are created
    now, so a manager can `assign` or `handover` to a new hire before they ever write. ``email:`` entries
    match when the person first writes, since only the platform knows the address.
    """
    now = now or utcnow()
    _one_sync_at_a_time(session)
    report = SyncReport()
    entries = _Entries.of(settings)
    for ref in entries.every_ref():
        for tenant, workspace in _homes(session, settings, ref):
            if _identity(session, ref.platform, workspace, ref.external_id) is not None:
                continue
            user, _ = _create(session, tenant=tenant, platform=ref.platform, workspace=workspace,
                              external_id=ref.external_id, label=ref.external_id, timezone=None,
                              dm_channel=None, email=None)
            report.created.append(user.name)
    for team in settings.teams:
        for tenant in _tenants_with_team(session, team.name):
            ensure_team(session, tenant, team.name, shares=team.shares_customers)
    ids = _people_to_check(session, entries)
    identities: dict[int, list[UserIdentity]] = {}
    for identity in session.exec(select(UserIdentity).where(UserIdentity.user_id.in_(ids))).all():  # type: ignore[attr-defined]
        identities.setdefault(identity.user_id, []).append(identity)
    for user in session.exec(select(User).where(User.id.in_(ids)).order_by(User.id)).all():  # type: ignore[union-attr]
        if _apply(session, user, _grant(entries, identities.get(user.id or 0, [])), settings, now=now):
            report.changed.append(user.name)
    session.flush()
    return report


# Any constant shared by every replica: replicas starting together apply the config one after the other, so
# each change is made (and audited) once. SQLite needs nothing: the write transaction already serializes.
_SYNC_LOCK_KEY = 0x63726D_5359  # "crm" "SY"


def _one_sync_at_a_time(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK_KEY})


def _homes(session: Session, settings: Settings, ref: IdentityRef) -> list[tuple[str, str]]:
    """(tenant, workspace) pairs where the person `ref` names can be created ahead of their first message."""
    if ref.is_email:
        return []
    if ref.platform == platforms.local():
        return [(settings.tenant_for(ref.platform, ""), "")]
    if ref.workspace is not None:
        workspaces = [ref.workspace]
    else:
        known = session.exec(select(UserIdentity.workspace).where(UserIdentity.platform == ref.platform)
                             .distinct()).all()
        mapped = [key.partition(":")[2] for key in settings.tenants if key.startswith(f"{ref.platform}:")]
        workspaces = sorted({w for w in [*known, *mapped] if w})
        if len(workspaces) > 1:
            # The same member id in several workspaces is one person in several tenants only on Enterprise
            # Grid; otherwise name the workspace (slack:T…/U…).
            log.info("config: %s:%s is created in every known workspace (%s)", ref.platform, ref.external_id,
                     ", ".join(workspaces))
    return [(settings.tenant_for(ref.platform, w), w) for w in workspaces]


def _tenants_with_team(session: Session, name: str) -> list[str]:
    return list(session.exec(select(Team.tenant).where(Team.name == name).distinct()).all())


def _people_to_check(session: Session, entries: _Entries) -> list[int]:
    """Users the config names now, or named before (their grants may have to go)."""
    refs = entries.every_ref()
    ids = set(session.exec(select(User.id).where(User.roles_from_config.is_(True))).all())  # type: ignore[attr-defined]
    external = {ref.external_id.lower() for ref in refs if not ref.is_email}
    emails = {ref.external_id for ref in refs if ref.is_email}
    if external:
        ids |= set(session.exec(select(UserIdentity.user_id).where(
            func.lower(UserIdentity.external_id).in_(sorted(external)))).all())
    if emails:
        ids |= set(session.exec(select(UserIdentity.user_id).where(UserIdentity.email.in_(sorted(emails)))).all())  # type: ignore[union-attr]
    return sorted(i for i in ids if i is not None)


# -- small helpers ------------------------------------------------------------------------------------------


def _email(reported: str | None) -> str | None:
    value = (reported or "").strip().lower()
    return value if "@" in value else None


def _user_name(raw: str) -> str:
    name = _NAME_CHARS.sub("_", raw.strip()).strip("_")
    return (name or "user")[:100]


def _unique_name(session: Session, tenant: str, base: str) -> str:
    taken = set(session.exec(select(User.name).where(User.tenant == tenant, User.name.startswith(base))).all())  # type: ignore[attr-defined]
    name, n = base, 1
    while name in taken:
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
