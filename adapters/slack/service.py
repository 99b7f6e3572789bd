"""`SlackService`: what `crmbot run` starts when Slack credentials are configured.

HTTP mode (the default): a waitress server on CRM_HTTP_HOST:CRM_HTTP_PORT with ``/slack/events`` and
``/healthz`` (and ``/slack/install``, ``/slack/oauth_redirect`` with "Add to Slack", `installations`). Socket Mode when SLACK_APP_TOKEN is set: no public URL, Slack connects over a websocket
opened with `apps.connections.open` (through SLACK_API_URL like every other Web API call).
The service registers its `SlackSender` with the runtime as soon as it is built, so the scheduler can
push through Slack whatever mode the listener runs in.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from adapters.bootstrap import Runtime
from adapters.slack.adapter import SlackAdapter
from adapters.slack.app import SlackStartupError, build_adapter, create_app, make_web_client
from adapters.slack.installations import database_stores, oauth_settings, remember_configured_workspace
from adapters.slack.sender import ChannelPacer, SlackSender
from adapters.slack.server import HttpServer, make_wsgi_app
from adapters.slack.settings import slack_settings
from adapters.slack.workspaces import Workspaces
from adapters.web.service import public_pages
from bot.conversation import healthy

log = logging.getLogger("crmbot.slack")


class SlackService:
    """The Slack listener (HTTP or Socket Mode) plus the Slack push sender."""

    name = "slack"
    is_platform = True

    def __init__(self, runtime: Runtime, *, pacer: ChannelPacer | None = None) -> None:
        self.runtime = runtime
        settings = runtime.settings
        config = self.config = slack_settings(settings)
        self.client = make_web_client(settings)
        # "Add to Slack": every workspace's own token, from the installation store in the project's database.
        self.stores = database_stores(runtime, config.client_id or "") if config.oauth else None
        workspaces = Workspaces(self.client, self.stores.installations if self.stores else None)
        self.sender = SlackSender(self.client, pacer=pacer, workspaces=workspaces)
        runtime.add_sender(self.sender)
        self.mode = "socket" if config.app_token and not config.oauth else "http"
        self.serves_http = self.mode == "http"  # then it carries the public pages and no web server is needed
        if self.mode == "http" and not config.signing_secret:
            raise SlackStartupError("Slack HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)")
        self.adapter: SlackAdapter | None = None
        self.app: App | None = None
        self.http: HttpServer | None = None
        self.socket: SocketModeHandler | None = None

    def start(self) -> None:
        """Check the token, build the Bolt app and start listening."""
        settings, config = self.runtime.settings, self.config
        self.adapter = build_adapter(self.runtime.bot, self.client, sender=self.sender)
        oauth = None
        if self.stores is not None:
            if self.client.token:
                remember_configured_workspace(self.stores.installations, self.adapter.auth, self.client.token)
            oauth = oauth_settings(config, self.stores)
        self.app = create_app(self.adapter, signing_secret=config.signing_secret, oauth=oauth)
        if self.mode == "socket":
            self.socket = SocketModeHandler(self.app, config.app_token)
            self.socket.connect()
            log.info("Slack connected in Socket Mode")
            return  # the web service serves /healthz and /metrics (no Slack URL to serve)
        wsgi = make_wsgi_app(self.app, self._healthy, signing_secret=config.signing_secret,
                             pages=public_pages(self.runtime), metrics_token=settings.metrics_token)
        self.http = HttpServer(wsgi, host=settings.http_host, port=settings.http_port, name="slack")
        self.http.start()

    def stop(self) -> None:
        """Stop listening, then let queued answers and card updates finish."""
        if self.http is not None:
            self.http.stop()
        if self.socket is not None:
            self.socket.close()
        if self.adapter is not None:
            self.adapter.close()

    @property
    def url(self) -> str:
        """The bound ``http://host:port`` (after `start`; in Socket Mode the health and metrics endpoints)."""
        if self.http is None:
            raise RuntimeError("the Slack HTTP server is not running")
        return self.http.url

    def _healthy(self) -> bool:
        return healthy(self.runtime.bot)


def slack_configured(runtime: Runtime) -> bool:
    """Whether `crmbot run` should start Slack (bot token plus signing secret or app token)."""
    return slack_settings(runtime.settings).enabled
