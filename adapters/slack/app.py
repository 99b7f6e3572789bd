"""The app factory: a WebClient on SLACK_API_URL, the adapter's parts, and a Bolt `App` with listeners.

Nothing here runs at import time (a module-level ``App(...)`` would call Slack on import, gotcha G1).
`auth.test` is called exactly once, by `build_adapter`; Bolt then authorizes every request from that
answer through ``authorize=`` instead of calling Slack again, and its per-request clients inherit the
base URL, so every Web API call goes to SLACK_API_URL.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from adapters.slack.adapter import SlackAdapter
from adapters.slack.answers import ReplyDelivery
from adapters.slack.dedupe import EventDeduper
from adapters.slack.listeners import register_all
from adapters.slack.profiles import ProfileCache
from adapters.slack.sender import SlackSender
from adapters.slack.settings import slack_settings
from adapters.slack.threads import SharedCardThreads
from adapters.workers import Jobs, TrackedExecutor
from bot.dispatcher import Bot
from bot.errors import report_error
from config.settings import Settings

log = logging.getLogger("crmbot.slack")

LISTENER_WORKERS = 32  # Bolt's default of 5 starves acknowledgements under load (gotcha G6)
JOB_WORKERS = 32
API_TIMEOUT_S = 10


class SlackStartupError(RuntimeError):
    """Slack could not be reached or refused the token when starting; the message says which."""


def make_web_client(settings: Settings) -> WebClient:
    """A WebClient for the bot token on the Slack section's ``api_url`` that retries connection errors and 429s."""
    config = slack_settings(settings)
    base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return WebClient(
        token=config.bot_token,
        base_url=base_url,
        timeout=API_TIMEOUT_S,
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_adapter(bot: Bot, client: WebClient, *, sender: SlackSender | None = None) -> SlackAdapter:
    """Check the token with `auth.test` and assemble the adapter (also subscribes to the core's events).

    Without a token of its own (only "Add to Slack" workspaces), nothing is checked at start: each
    workspace's token is checked by Bolt on its requests.
    """
    try:
        auth = client.auth_test() if client.token else None
    except SlackApiError as exc:
        raise SlackStartupError(
            f"Slack auth.test at {client.base_url} failed: {exc.response.get('error')} (check SLACK_BOT_TOKEN)"
        ) from exc
    except (SlackClientError, OSError) as exc:
        raise SlackStartupError(f"Slack auth.test at {client.base_url} failed: cannot reach it ({exc})") from exc
    sender = sender or SlackSender(client)
    answer: dict[str, Any] = dict(auth.data) if auth is not None and isinstance(auth.data, dict) else {}
    if answer.get("team_id"):
        sender.workspaces.default_team = str(answer["team_id"])
    jobs = Jobs("slack-job", JOB_WORKERS)
    listeners = TrackedExecutor(LISTENER_WORKERS, "slack-listener")
    threads = SharedCardThreads(bot, sender, Jobs("slack-cards", 1))
    threads.attach()
    return SlackAdapter(
        bot=bot,
        client=client,
        sender=sender,
        profiles=ProfileCache(sender.client_for),
        delivery=ReplyDelivery(bot, sender, bot_name=str(answer.get("user") or "crmbot")),
        threads=threads,
        jobs=jobs,
        listener_executor=listeners,
        bot_user_id=str(answer.get("user_id") or ""),
        bot_name=str(answer.get("user") or "crmbot"),
        auth=answer,
    )


def create_app(adapter: SlackAdapter, *, signing_secret: str | None, oauth: OAuthSettings | None = None) -> App:
    """The Bolt app: request verification, event dedupe, our listeners, and the shared error hook.

    With `oauth` ("Add to Slack"), Bolt serves the install pages and authorizes each request with the
    workspace's own token from the installation store; without it, every request uses the one bot token.
    """
    auth = adapter.auth

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token=adapter.client.token,
            bot_id=auth.get("bot_id"),
            bot_user_id=auth.get("user_id"),
        )

    # Bolt copies this client (base URL, timeout, retry handlers) for each request and puts the token
    # from `authorize` into the copy, so the template carries no token of its own.
    template = WebClient(base_url=adapter.client.base_url, timeout=adapter.client.timeout,
                         retry_handlers=list(adapter.client.retry_handlers))
    authorization: dict[str, Any] = {"oauth_settings": oauth} if oauth is not None else {"authorize": authorize}
    app = App(
        name="crmbot",
        client=template,
        signing_secret=signing_secret,
        request_verification_enabled=bool(signing_secret),
        listener_executor=adapter.listener_executor,
        process_before_response=False,
        **authorization,
    )
    app.middleware(EventDeduper().middleware)
    register_all(app, adapter)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        report_error(error, {"platform": "slack", "type": body.get("type") or body.get("command")})

    return app
