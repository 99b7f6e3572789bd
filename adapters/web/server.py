"""A waitress WSGI server in a background thread: the one HTTP server of a crmbot process.

It serves Slack's events (when Slack runs in HTTP mode), ``/healthz``, ``/metrics`` and the public pages
(`adapters.web.pages`); when Slack does not own it, `adapters.web.service.WebService` starts it on its own.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger("crmbot.http")

HTTP_THREADS = 16
# Nothing crmbot receives comes near this (a Slack modal is a few kB, a survey form far less).
MAX_BODY_BYTES = 1_048_576

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


def metrics_allowed(environ: dict[str, Any], token: str | None) -> bool:
    """Who may read ``/metrics``: with ``CRM_METRICS_TOKEN`` set, a request bearing it
    (``Authorization: Bearer …``, compared in constant time); without one, only this machine (loopback),
    so a server listening on a public address does not publish its metrics to anyone who asks."""
    if token:
        scheme, _, given = str(environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return str(environ.get("REMOTE_ADDR") or "") in LOOPBACK


class HttpServer:
    """A waitress server on ``host:port`` (port 0 picks a free one) running in a background thread."""

    def __init__(self, app: WsgiApp, *, host: str, port: int, threads: int = HTTP_THREADS,
                 name: str = "http") -> None:
        # waitress refuses larger bodies itself (413) while receiving them, chunked ones included, so an
        # oversized upload is never buffered whole; it counts ">= limit", hence the + 1.
        self._server = create_server(app, host=host, port=port, threads=threads, ident="crmbot",
                                     max_request_body_size=MAX_BODY_BYTES + 1)
        self.host = host
        self.port = int(self._server.effective_port)
        self.name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` as bound."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.run, name=f"{self.name}-http-{self.port}", daemon=True)
        self._thread.start()
        log.info("HTTP server listening on %s", self.url)

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
