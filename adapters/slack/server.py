"""The HTTP side: Bolt's WSGI adapter at ``/slack/events`` and ``/healthz``, served by waitress.

waitress is a production WSGI server with a worker thread pool (Bolt's own ``app.start()`` is a
single-threaded development server bound to 0.0.0.0, gotcha G5). Slash commands, interactivity and
Events API requests all arrive at the one URL.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from waitress import wasyncore
from waitress.server import create_server

from bot.observability import prometheus_text

log = logging.getLogger("crmbot.slack.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
HTTP_THREADS = 16

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """A request body as Slack means it: JSON, a form whose ``payload`` field is JSON, or a plain form.

    Bolt 1.30's own parser treats any form body containing the letters "payload" as interactivity, so a
    slash command like ``/crm log Acme sent the payload spec`` became an empty request (404). Here only a
    real ``payload`` *field* counts.
    """
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        return json.loads(raw)
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in form:
        return json.loads(form["payload"])
    return form


class SlackHttpRequest(BoltRequest):
    """A `BoltRequest` whose body is read with `parse_slack_body` (the signature still covers the raw body)."""

    def __init__(self, *, body: str, query: Any = None, headers: Any = None) -> None:
        super().__init__(body=body, query=query, headers=headers)
        self.body = parse_slack_body(self.raw_body, self.content_type)
        self.context = build_context(BoltContext({}), self.body)


class SlackEventsHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, building `SlackHttpRequest`s."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            SlackHttpRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        )


def make_wsgi_app(app: App, health: Callable[[], bool]) -> WsgiApp:
    """``/healthz`` (200 when ``health()`` holds, else 503) and ``/metrics`` (Prometheus text) in front of
    Bolt's handler for ``/slack/events``."""
    bolt = SlackEventsHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == METRICS_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = prometheus_text().encode()
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = _safely(health)
            body = json.dumps({"status": "ok" if healthy else "unavailable"}).encode()
            start_response("200 OK" if healthy else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return bolt(environ, start_response)

    return wsgi


def _safely(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        log.exception("health check failed")
        return False


class HttpServer:
    """A waitress server on ``host:port`` (port 0 picks a free one) running in a background thread."""

    def __init__(self, app: WsgiApp, *, host: str, port: int, threads: int = HTTP_THREADS) -> None:
        self._server = create_server(app, host=host, port=port, threads=threads, ident="crmbot")
        self.host = host
        self.port = int(self._server.effective_port)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` as bound."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.run, name=f"slack-http-{self.port}", daemon=True)
        self._thread.start()
        log.info("Slack endpoint listening on %s%s", self.url, EVENTS_PATH)

    def stop(self) -> None:
        """Stop accepting, let the worker threads finish, close every connection."""
        server = self._server
        server.task_dispatcher.shutdown()
        if self._thread is not None and self._thread.is_alive():
            # Closing from inside the event loop wakes it at once (closing from here could leave it
            # waiting out its poll timeout) and never races with a channel it is serving.
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            self._thread.join(timeout=5)
        else:
            wasyncore.close_all(server._map)
