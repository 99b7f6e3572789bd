"""Which bot token speaks to which workspace.

Single-workspace mode (``SLACK_BOT_TOKEN``): one `WebClient` for everything. With "Add to Slack"
(``SLACK_CLIENT_ID`` / ``SLACK_CLIENT_SECRET``) every workspace that installed the app has its own bot
token in the installation store (slack_sdk's store on the project's database, built by the composition
root): the sender, profile lookups, modals and the Home tab ask `Workspaces.client(team_id)` for that
workspace's client. Tokens are cached for a minute; an uninstall or a revoked token forgets them at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

log = logging.getLogger("crmbot.slack.workspaces")

TOKEN_TTL_S = 60.0


class NotInstalled(LookupError):
    """The workspace has not installed the app (or uninstalled it): there is no token to speak to it with."""


class Workspaces:
    """The `WebClient` of each workspace: the one configured token, or the installation store's."""

    def __init__(self, default: WebClient, store: InstallationStore | None = None, *, default_team: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.default = default
        self.store = store
        self.default_team = default_team  # the team of SLACK_BOT_TOKEN, when there is one
        self._clock = clock
        self._tokens: dict[str, tuple[float, str, str]] = {}  # team -> (expiry, bot token, bot user id)
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    @property
    def multi(self) -> bool:
        """Whether workspaces are installed through OAuth (each with its own token)."""
        return self.store is not None

    def client(self, team_id: str | None) -> WebClient:
        """The client for `team_id` (raises `NotInstalled` for a workspace without a token)."""
        if self.store is None or not team_id or (team_id == self.default_team and self.default.token):
            return self.default
        token = self._token(team_id)[0]
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = WebClient(token=token, base_url=self.default.base_url, timeout=self.default.timeout,
                                   retry_handlers=list(self.default.retry_handlers))
                self._clients[token] = client
        return client

    def bot_user_id(self, team_id: str | None, fallback: str = "") -> str:
        """The bot's user id in `team_id` (how people mention it there)."""
        if self.store is None or not team_id or team_id == self.default_team:
            return fallback
        try:
            return self._token(team_id)[1] or fallback
        except NotInstalled:
            return fallback

    def forget(self, team_id: str) -> None:
        """Drop what is cached for `team_id` (after an uninstall or a revoked token)."""
        with self._lock:
            cached = self._tokens.pop(team_id, None)
            if cached is not None:
                self._clients.pop(cached[1], None)
        log.info("forgot the bot token of workspace %s", team_id)

    def _token(self, team_id: str) -> tuple[str, str]:
        now = self._clock()
        with self._lock:
            cached = self._tokens.get(team_id)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        assert self.store is not None
        bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"workspace {team_id} has not installed the app")
        with self._lock:
            self._tokens[team_id] = (now + TOKEN_TTL_S, bot.bot_token, bot.bot_user_id or "")
        return bot.bot_token, bot.bot_user_id or ""
