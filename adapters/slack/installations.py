""""Add to Slack": bolt-python's OAuth flow with its installation and state stores in the project's database.

When ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are set, ``GET /slack/install`` starts an install (an
"Add to Slack" page with a one-time ``state``) and ``GET /slack/oauth_redirect`` finishes it: Bolt checks the
state, exchanges the code with ``oauth.v2.access`` and saves the workspace's bot token. From then on every
request from that workspace is served with its own token, and its data is its own tenant (``slack:<team>``)
unless ``tenants`` maps it. ``app_uninstalled`` and ``tokens_revoked`` delete the tokens
(`SlackAdapter.workspace_removed`). A configured ``SLACK_BOT_TOKEN`` keeps serving its own workspace.

The stores are slack_sdk's SQLAlchemy ones; the composition root builds them on the project's engine
(`Runtime.sdk_store`), so nothing here touches the database library.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from adapters.bootstrap import Runtime
from adapters.slack.settings import SlackSettings

log = logging.getLogger("crmbot.slack.oauth")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_LIFETIME_S = 600


@dataclass(frozen=True)
class OAuthStores:
    """Where installations (bot tokens per workspace) and pending install states are kept."""

    installations: InstallationStore
    states: OAuthStateStore


def database_stores(runtime: Runtime, client_id: str) -> OAuthStores:
    """slack_sdk's SQLAlchemy stores on the project's database, their tables created when missing."""
    # Imported only when "Add to Slack" is configured: these modules load SQLAlchemy's asyncio extension.
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    installations = runtime.sdk_store(lambda engine: SQLAlchemyInstallationStore(client_id=client_id, engine=engine))
    states = runtime.sdk_store(lambda engine: SQLAlchemyOAuthStateStore(expiration_seconds=STATE_LIFETIME_S,
                                                                       engine=engine))
    installations.create_tables()  # CREATE TABLE IF NOT EXISTS: safe at every start and from replicas
    states.create_tables()
    return OAuthStores(installations, states)


def oauth_settings(config: SlackSettings, stores: OAuthStores) -> OAuthSettings:
    """Bolt's OAuth settings: the install and redirect paths, the bot scopes, the stores."""
    return OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=config.scopes,
        redirect_uri=config.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=stores.installations,
        installation_store_bot_only=True,
        state_store=stores.states,
        state_expiration_seconds=STATE_LIFETIME_S,
    )


def remember_configured_workspace(store: InstallationStore, auth: dict[str, Any], token: str) -> None:
    """Record the ``SLACK_BOT_TOKEN`` workspace as installed, so Bolt serves it alongside OAuth installs."""
    team = str(auth.get("team_id") or "")
    if not team or store.find_bot(enterprise_id=None, team_id=team) is not None:
        return
    store.save(Installation(
        app_id=str(auth.get("app_id") or "configured"), team_id=team,  # auth.test may not name the app team_name=auth.get("team"), bot_token=token,
        bot_id=auth.get("bot_id"), bot_user_id=auth.get("user_id"), user_id=str(auth.get("user_id") or "bot"),
        token_type="bot",
    ))
    log.info("workspace %s (SLACK_BOT_TOKEN) recorded as installed", team)
