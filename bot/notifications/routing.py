"""Where a notification goes: the recipient (language, zone) and the chat target.

A ``user:<id>`` audience is delivered to one of the user's platform identities: one whose platform has a
sender in this process, preferring an identity with a known DM channel, then the newest. The DM target is
``Target(platform, workspace, user=<external id>)``: every sender can open a DM from a user id (Slack
posts to the user id, DingTalk's one-to-one send takes staff ids, the console prints the name).
A channel audience is the `Target.key()` it was stored as.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from bot.messages import Target
from bot.render import pick_language
from config.settings import Settings
from storage.models import User, UserIdentity


class UnroutableError(Exception):
    """The audience cannot be turned into a chat target (no identity, malformed channel key)."""


@dataclass(frozen=True)
class Recipient:
    """What rendering needs to know about the user a notification is for."""

    id: int
    name: str
    display_name: str
    tenant: str
    role: str
    team_id: int | None
    language: str
    timezone: str
    # Deactivated people get no pushes; rows queued for them before they were deactivated are dropped.
    deactivated: bool = False

    @property
    def tz(self) -> ZoneInfo:
        """The recipient's zone."""
        return ZoneInfo(self.timezone)

    @property
    def label(self) -> str:
        """How the user is named in lines and lists."""
        return self.display_name or self.name


def load_recipients(session: Session, ids: Iterable[int], settings: Settings) -> dict[int, Recipient]:
    """The recipients with these ids (one query; language and zone fall back to the configured defaults)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.name, User.display_name, User.tenant, User.role, User.team_id, User.language,
               User.last_language, User.timezone, User.deactivated_at).where(User.id.in_(wanted))
    ).all()
    return {
        r.id: Recipient(
            id=r.id, name=r.name, display_name=r.display_name, tenant=r.tenant, role=r.role, team_id=r.team_id,
            language=pick_language(r.language or r.last_language or settings.defaults.language),
            timezone=r.timezone or settings.defaults.timezone,
            deactivated=r.deactivated_at is not None,
        )
        for r in rows
    }


def dm_targets(session: Session, user_ids: Iterable[int], platforms: Collection[str]) -> dict[int, Target | None]:
    """Each user's DM target on a platform we can send to, or None when they have no identity at all.

    A user whose identities are all on platforms without a sender maps to a target on such a platform
    anyway; the dispatcher then reports "no sender" (a transient failure: the sender may come back).
    """
    wanted = sorted(set(user_ids))
    chosen: dict[int, Target | None] = dict.fromkeys(wanted)
    if not wanted:
        return chosen
    rows = session.execute(
        select(UserIdentity.user_id, UserIdentity.platform, UserIdentity.workspace, UserIdentity.external_id,
               UserIdentity.dm_channel, UserIdentity.id).where(UserIdentity.user_id.in_(wanted))
    ).all()
    best: dict[int, tuple[tuple[bool, bool, int], Target]] = {}
    for user_id, platform, workspace, external_id, dm_channel, identity_id in rows:
        rank = (platform in platforms, dm_channel is not None, identity_id)
        if user_id not in best or rank > best[user_id][0]:
            best[user_id] = (rank, Target(platform=platform, workspace=workspace or "", user=external_id))
    for user_id, (_rank, target) in best.items():
        chosen[user_id] = target
    return chosen


def channel_target(key: str) -> Target:
    """Parse a channel audience stored as ``platform:workspace:channel`` (the workspace may be empty)."""
    platform, sep, rest = key.partition(":")
    workspace, sep2, channel = rest.partition(":")
    if not (platform and sep and sep2 and channel):
        raise UnroutableError(f"malformed channel key {key!r} (expected platform:workspace:channel)")
    return Target(platform=platform, workspace=workspace, channel=channel)
