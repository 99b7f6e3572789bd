"""Who is in the fake workspace: the bot identity, users, channels and DMs.

Method handlers here: ``auth.test``, ``users.info``, ``conversations.open``, ``conversations.info``,
``conversations.members``. The other stores ask `Directory.resolve_channel` /
`Directory.require_bot_can_post` so channel errors (``channel_not_found``, ``not_in_channel``) are
decided in one place.

Channel policy: a ``C…``/``G…`` id the test never declared is auto-created with the bot as a member
(lenient mode, so tests need not declare every channel) unless the fake runs with
``strict_channels=True``, where it is ``channel_not_found``. DMs are ``D<user id>`` (e.g. ``DU111``) and
exist for every known user; ``chat.postMessage(channel="U111")`` lands there, as in Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.emulators.slack_model import ApiCall, ApiError, Clock, MethodHandler, SlackChannel, SlackUser

DEFAULT_SCOPES = (
    "chat:write",
    "commands",
    "users:read",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    "links:read",
    "links:write",
    "reactions:write",
)


@dataclass(frozen=True)
class BotIdentity:
    """The installed app as `auth.test` reports it."""

    team_id: str = "T111"
    team_name: str = "crm-test"
    user_id: str = "UBOT"
    user_name: str = "crmbot"
    bot_id: str = "BBOT"
    app_id: str = "A111"

    @property
    def workspace_url(self) -> str:
        """``https://<team>.slack.com/`` — also the prefix of permalinks."""
        return f"https://{self.team_name}.slack.com/"


def dm_channel_id(user_id: str) -> str:
    """The DM channel id the fake uses for ``user_id``."""
    return f"D{user_id}"


class Directory:
    """Users, channels and the bot identity, plus the methods that read them."""

    def __init__(
        self, clock: Clock, *, identity: BotIdentity, scopes: tuple[str, ...], strict_channels: bool
    ):
        self._clock = clock
        self.identity = identity
        self.scopes = scopes
        self.strict_channels = strict_channels
        self.users: dict[str, SlackUser] = {}
        self.channels: dict[str, SlackChannel] = {}
        self.add_user(identity.user_id, real_name=identity.user_name, is_bot=True)

    # ----- configuration -------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "UTC",
        locale: str = "en-US",
        is_bot: bool = False,
        email: str | None = None,
    ) -> SlackUser:
        """Declare (or replace) a workspace member; ``tz`` must be an IANA zone name."""
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {tz!r} for user {user_id}") from exc
        name = (real_name or user_id).lower().replace(" ", ".")
        user = SlackUser(
            id=user_id,
            name=name,
            real_name=real_name or user_id,
            display_name=display_name if display_name is not None else (real_name or user_id),
            tz=tz,
            locale=locale,
            is_bot=is_bot,
            email=email,
        )
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        bot_is_member: bool = True,
        members: tuple[str, ...] = (),
        is_private: bool | None = None,
    ) -> SlackChannel:
        """Declare (or replace) a channel; ``bot_is_member=False`` makes posting fail with ``not_in_channel``."""
        if channel_id[:1] not in {"C", "G"}:
            raise ValueError(
                f"channel ids start with C or G, got {channel_id!r} (DMs are derived from users)"
            )
        channel = SlackChannel(
            id=channel_id,
            name=name or channel_id.lower(),
            is_private=channel_id.startswith("G") if is_private is None else is_private,
            bot_is_member=bot_is_member,
            members=list(members),
        )
        self.channels[channel_id] = channel
        return channel

    # ----- lookups used by the other stores -------------------------------------------------------------

    def resolve_channel(self, channel_id: str | None) -> SlackChannel:
        """The channel for an id as a bot passes it: ``C…``, ``G…``, ``D…``, a user id ``U…``/``W…`` (its DM)
        or ``#name`` of a declared channel."""
        if not channel_id:
            raise ApiError("channel_not_found")
        if channel_id.startswith("#"):
            named = next((c for c in self.channels.values() if c.name == channel_id[1:]), None)
            if named is None:
                raise ApiError("channel_not_found")
            return named
        if channel_id[0] in {"U", "W"}:
            channel_id = dm_channel_id(channel_id)
        if channel_id.startswith("D"):
            user_id = channel_id[1:]
            if user_id not in self.users or user_id == self.identity.user_id:
                raise ApiError("channel_not_found")
            return SlackChannel(id=channel_id, name=user_id, is_private=True, is_im=True, im_user=user_id)
        channel = self.channels.get(channel_id)
        if channel is not None:
            return channel
        if self.strict_channels or channel_id[0] not in {"C", "G"}:
            raise ApiError("channel_not_found")
        return self.add_channel(channel_id)

    def require_bot_can_post(self, channel: SlackChannel) -> None:
        """``not_in_channel`` unless the bot is a member (or may post publicly with chat:write.public)."""
        if channel.is_im or channel.bot_is_member:
            return
        if not channel.is_private and "chat:write.public" in self.scopes:
            return
        raise ApiError("not_in_channel")

    def require_user(self, user_id: str | None) -> SlackUser:
        """The member with this id, else ``user_not_found``."""
        user = self.users.get(user_id or "")
        if user is None:
            raise ApiError("user_not_found")
        return user

    # ----- Web API methods ------------------------------------------------------------------------------

    def methods(self) -> dict[str, MethodHandler]:
        """Method name → handler for the methods this store answers."""
        return {
            "auth.test": self.auth_test,
            "users.info": self.users_info,
            "conversations.open": self.conversations_open,
            "conversations.info": self.conversations_info,
            "conversations.members": self.conversations_members,
        }

    def auth_test(self, call: ApiCall) -> dict[str, Any]:
        """Fixed bot identity (Bolt calls this at App() construction)."""
        ident = self.identity
        return {
            "url": ident.workspace_url,
            "team": ident.team_name,
            "user": ident.user_name,
            "team_id": ident.team_id,
            "user_id": ident.user_id,
            "bot_id": ident.bot_id,
            "is_enterprise_install": False,
        }

    def users_info(self, call: ApiCall) -> dict[str, Any]:
        """Profile with ``tz``/``tz_label``/``tz_offset`` at the fake's clock; ``locale`` only if asked."""
        user = self.require_user(call.text("user"))
        now = datetime.fromtimestamp(self._clock(), ZoneInfo(user.tz))
        offset = now.utcoffset()
        body: dict[str, Any] = {
            "id": user.id,
            "team_id": self.identity.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": now.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": user.real_name,
                "display_name": user.display_name,
                "real_name_normalized": user.real_name,
                "display_name_normalized": user.display_name,
                "team": self.identity.team_id,
            },
        }
        if user.email:  # Slack sends the address only with the users:read.email scope
            body["profile"]["email"] = user.email
        if call.flag("include_locale"):
            # Slack omits locale unless include_locale=true; code that forgets the flag gets no locale.
            body["locale"] = user.locale
        return {"user": body}

    def conversations_open(self, call: ApiCall) -> dict[str, Any]:
        """Open (or re-open) the DM with one user; returns ``{"channel": {"id": "D…"}}``."""
        users = [u.strip() for u in (call.text("users") or "").split(",") if u.strip()]
        if not users:
            channel = self.resolve_channel(call.required("channel", error="channel_not_found"))
            return {"channel": {"id": channel.id}, "already_open": True}
        if len(users) > 1:
            raise ApiError("not_supported_by_emulator", detail="multi-person DMs are not emulated")
        user = self.require_user(users[0])
        return {"channel": {"id": dm_channel_id(user.id)}, "no_op": False, "already_open": False}

    def conversations_info(self, call: ApiCall) -> dict[str, Any]:
        """Channel flags (``is_member``, ``is_private``, ``is_im`` with ``user``)."""
        channel = self.resolve_channel(call.text("channel"))
        if channel.is_im:
            return {"channel": {"id": channel.id, "is_im": True, "user": channel.im_user, "is_open": True}}
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_channel": not channel.is_private,
                "is_group": channel.is_private,
                "is_im": False,
                "is_private": channel.is_private,
                "is_archived": False,
                "is_member": channel.bot_is_member,
            }
        }

    def conversations_members(self, call: ApiCall) -> dict[str, Any]:
        """Declared members, plus the bot when it is in the channel."""
        channel = self.resolve_channel(call.text("channel"))
        if channel.is_im:
            members = [channel.im_user or "", self.identity.user_id]
        else:
            members = list(channel.members)
            if channel.bot_is_member and self.identity.user_id not in members:
                members.append(self.identity.user_id)
        return {"members": members, "response_metadata": {"next_cursor": ""}}
