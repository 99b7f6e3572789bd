"""The user an admin tool (``crmbot import`` / ``export`` ``--as USER``) acts as.

``USER`` is ``platform:id`` (``slack:U024BE7LH``), or a user name. A name nobody has yet becomes a
terminal-chat user, exactly as ``crmbot chat --as USER`` would create it, so roles from the config apply.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from bot import platforms
from bot.messages import Incoming
from bot.users import apply_config, resolve_user
from config.settings import Settings
from storage.models import User, UserIdentity


class UnknownActingUser(LookupError):
    """``--as`` names no user, or several in different tenants."""


def acting_user(session: Session, settings: Settings, reference: str) -> User:
    """The user ``reference`` names, with roles and teams synced from the config (commit the session)."""
    ref = reference.strip().lstrip("@")
    if not ref:
        raise UnknownActingUser("--as needs a user name or platform:id")
    platform, sep, external_id = ref.partition(":")
    if sep and platforms.get(platform) is not None:
        users = session.exec(
            select(User).join(UserIdentity, UserIdentity.user_id == User.id).where(
                UserIdentity.platform == platform, UserIdentity.external_id == external_id)
        ).all()
        unique = list({user.id: user for user in users}.values())
        if not unique:
            raise UnknownActingUser(f"no user has the {platform} id {external_id!r}")
        if len(unique) > 1:
            raise UnknownActingUser(f"{ref} is a user in several workspaces; name the user instead")
        apply_config(session, unique[0], settings, platform_id=ref)
        return unique[0]
    named = session.exec(select(User).where(func.lower(User.name) == ref.lower())).all()
    if len(named) > 1:
        tenants = ", ".join(sorted({user.tenant for user in named}))
        raise UnknownActingUser(f"several users are called {ref!r} (tenants: {tenants}); use platform:id")
    if named:
        user = named[0]
        identity = session.exec(select(UserIdentity).where(UserIdentity.user_id == user.id)).first()
        platform_id = f"{identity.platform}:{identity.external_id}" if identity else f"{platforms.local()}:{user.name}"
        apply_config(session, user, settings, platform_id=platform_id)
        return user
    incoming = Incoming(platform=platforms.local(), workspace="", channel=f"{platforms.local()}:{ref}", user_id=ref, user_name=ref, text="")
    return resolve_user(session, incoming, settings)
