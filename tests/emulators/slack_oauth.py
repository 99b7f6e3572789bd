"""Slack's side of "Add to Slack": ``oauth.v2.access`` issuing a bot token per workspace, and tokens that
belong to a workspace (``auth.test`` answers as the token's workspace; a revoked token is ``invalid_auth``).

A test plays the browser: it asks crmbot's ``/slack/install`` for the authorize URL (with its ``state``),
"approves" the install here with `OAuthServer.approve` (which returns the ``code`` Slack would put in the
redirect), and follows the redirect to crmbot's ``/slack/oauth_redirect``. crmbot then exchanges the code
with ``oauth.v2.access`` (client id and secret checked, each code single-use, valid ten minutes) and gets
that workspace's own bot token.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.slack_model import ApiCall, ApiError, Clock

CODE_LIFETIME_S = 600
BOT_SCOPES = "commands,chat:write,im:history,users:read,links:read,links:write"


@dataclass(frozen=True)
class Workspace:
    """A workspace the app is installed in, as its bot token shows it."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    app_id: str = "A111"

    @property
    def url(self) -> str:
        return f"https://{self.team_name}.slack.com/"


@dataclass
class _Grant:
    workspace: Workspace
    installer: str
    redirect_uri: str | None
    issued_at: float


@dataclass
class OAuthServer:
    """Client credentials, pending codes and the tokens issued to each workspace."""

    clock: Clock
    client_id: str = "111.222"
    client_secret: str = "oauth-client-secret"
    grants: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, Workspace] = field(default_factory=dict)  # bot token -> its workspace
    revoked: set[str] = field(default_factory=set)

    def approve(self, team_id: str, team_name: str, *, installer: str, redirect_uri: str | None = None) -> str:
        """An admin of `team_id` clicked *Allow*: the ``code`` Slack sends to the redirect URL."""
        code = f"code-{secrets.token_hex(6)}"
        workspace = Workspace(team_id, team_name, bot_user_id=f"UBOT{team_id}", bot_id=f"BBOT{team_id}")
        self.grants[code] = _Grant(workspace, installer, redirect_uri, self.clock())
        return code

    def workspace_of(self, token: str) -> Workspace | None:
        """The workspace a token issued here belongs to (None for other tokens)."""
        return None if token in self.revoked else self.tokens.get(token)

    def revoke(self, token: str) -> None:
        """The workspace uninstalled the app or revoked its tokens: the token stops working."""
        self.revoked.add(token)

    def access(self, call: ApiCall, authorization: str | None) -> dict[str, Any]:
        """``oauth.v2.access``: exchange a code for the workspace's bot token."""
        client_id, client_secret = call.text("client_id"), call.text("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            decoded = base64.b64decode(authorization.split(" ", 1)[1]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise ApiError("bad_client_secret")
        grant = self.grants.pop(call.text("code") or "", None)
        if grant is None or self.clock() - grant.issued_at > CODE_LIFETIME_S:
            raise ApiError("invalid_code")
        if grant.redirect_uri and call.text("redirect_uri") not in (None, "", grant.redirect_uri):
            raise ApiError("bad_redirect_uri")
        token = f"xoxb-{grant.workspace.team_id}-{secrets.token_hex(8)}"
        self.tokens[token] = grant.workspace
        workspace = grant.workspace
        return {
            "app_id": workspace.app_id,
            "authed_user": {"id": grant.installer},
            "scope": BOT_SCOPES,
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    @staticmethod
    def auth_test(workspace: Workspace) -> dict[str, Any]:
        """``auth.test`` for a token of `workspace`."""
        return {
            "url": workspace.url,
            "team": workspace.team_name,
            "user": "crmbot",
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "bot_id": workspace.bot_id,
            "is_enterprise_install": False,
        }
