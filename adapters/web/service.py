"""`WebService`: the HTTP server `crmbot run` starts when no platform listener serves HTTP itself.

With Slack in HTTP mode the Slack server carries the public pages (`SlackService` passes them on); with
only DingTalk, Slack in Socket Mode, or the terminal chat, this service binds ``http.port`` (``http_port``)
and serves the survey pages plus ``/healthz`` and ``/metrics``. A port that cannot be bound is logged and
the rest of the bot runs on: chat keeps working, survey links do not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from adapters.bootstrap import Runtime
from adapters.web.pages import survey_pages
from adapters.web.server import HttpServer, WsgiApp, metrics_allowed
from bot.conversation import healthy
from bot.observability import prometheus_text

log = logging.getLogger("crmbot.web")

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


def public_pages(runtime: Runtime) -> WsgiApp:
    """The survey pages of this runtime's database, on its clock."""
    return survey_pages(runtime.engine, runtime.settings, runtime.clock.now)


def public_app(runtime: Runtime) -> WsgiApp:
    """``/healthz``, ``/metrics`` and the survey pages: what the standalone server answers."""
    pages = public_pages(runtime)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ok = _safely(lambda: healthy(runtime.bot))
            body = json.dumps({"status": "ok" if ok else "unavailable"}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == METRICS_PATH and method == "GET":
            if not metrics_allowed(environ, runtime.settings.metrics_token):
                start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", "9")])
                return [b"forbidden"]
            body = prometheus_text().encode()
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return pages(environ, start_response)

    return app


def _safely(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        log.exception("health check failed")
        return False


class WebService:
    """The standalone HTTP server (survey pages, health, metrics)."""

    name = "web"
    is_platform = False

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.http: HttpServer | None = None

    def start(self) -> None:
        settings = self.runtime.settings
        try:
            self.http = HttpServer(public_app(self.runtime), host=settings.http_host, port=settings.http_port,
                                   name="web")
        except OSError as exc:
            log.error("the web server could not listen on %s:%s (%s); survey links will not open",
                      settings.http_host, settings.http_port, exc.strerror or exc)
            return
        self.http.start()

    def stop(self) -> None:
        if self.http is not None:
            self.http.stop()

    @property
    def url(self) -> str:
        """The bound ``http://host:port`` (after `start`)."""
        if self.http is None:
            raise RuntimeError("the web server is not running")
        return self.http.url
