"""Who a Slack user is: display name, time zone and e-mail from `users.info`, cached per workspace and user.

The core adopts name and zone when it meets a user for the first time, so one lookup per person per
few hours is plenty; a failed lookup (missing scope, deleted user, Slack down) is not fatal — the user
is then created with their id as name and the default zone, and the lookup is retried a minute later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.incoming import Profile

log = logging.getLogger("crmbot.slack.profiles")

PROFILE_TTL_S = 6 * 3600
FAILURE_TTL_S = 60


class ProfileCache:
    """`users.info` answers, remembered for a few hours."""

    def __init__(
        self, client: WebClient | Callable[[str], WebClient], *, ttl_s: float = PROFILE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # One client for every workspace, or the client of each workspace (its own token, "Add to Slack").
        if isinstance(client, WebClient):
            one = client
            self._client_for: Callable[[str], WebClient] = lambda _team: one
        else:
            self._client_for = client
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._lock = threading.Lock()

    def profile(self, team_id: str, user_id: str) -> Profile:
        """Name and zone of ``user_id`` in ``team_id`` (empty `Profile` when Slack cannot tell)."""
        key = (team_id, user_id)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        profile, ttl = self._lookup(team_id, user_id)
        with self._lock:
            self._entries[key] = (now + ttl, profile)
        return profile

    def _lookup(self, team_id: str, user_id: str) -> tuple[Profile, float]:
        try:
            user = self._client_for(team_id).users_info(user=user_id)["user"]
        except (SlackApiError, SlackClientError, OSError, KeyError, LookupError) as exc:
            log.warning("users.info failed for %s: %s", user_id, exc)
            return Profile(), FAILURE_TTL_S
        details = user.get("profile") or {}
        name = details.get("display_name") or details.get("real_name") or user.get("real_name") or user.get("name")
        email = details.get("email") if isinstance(details.get("email"), str) else None
        return Profile(name=name or None, timezone=user.get("tz") or None, email=email or None), self._ttl_s
