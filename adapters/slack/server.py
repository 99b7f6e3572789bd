"""The HTTP side: Bolt's WSGI adapter at ``/slack/events`` (and the "Add to Slack" pages), ``/healthz`` and
``/metrics``, served by waitress.

waitress is a production WSGI server with a worker thread pool (Bolt's own ``app.start()`` is a
single-threaded development server bound to 0.0.0.0, gotcha G5). Slash commands, interactivity and
Events API requests all arrive at the one URL.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context

from adapters.web.server import MAX_BODY_BYTES, HttpServer, WsgiApp, metrics_allowed
from bot.observability import count, prometheus_text

log = logging.getLogger("crmbot.slack.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# Slack signs with the current time and asks receivers to refuse requests older than five minutes.
SIGNATURE_WINDOW_S = 300

__all__ = ["EVENTS_PATH", "HEALTH_PATH", "MAX_BODY_BYTES", "METRICS_PATH", "HttpServer", "make_wsgi_app"]


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """A request body as Slack means it: JSON, a form whose ``payload`` field is JSON, or a plain form.

    Bolt 1.30's own parser treats any form body containing the letters "payload" as interactivity, so a
    slash command like ``/crm log Acme sent the payload spec`` became an empty request (404). Here only a
    real ``payload`` *field* counts.
    """
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith(("{", "[")):
        return _json_object(raw)
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in form:
        return _json_object(form["payload"])
    return form


def _json_object(raw: str) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):  # Slack only ever sends objects; a list or a number is not a request
        raise ValueError("the JSON body is not an object")
    return value


class SlackHttpRequest(BoltRequest):
    """A `BoltRequest` whose body is read with `parse_slack_body` (the signature still covers the raw body)."""

    def __init__(self, *, body: str, query: Any = None, headers: Any = None) -> None:
        super().__init__(body=body, query=query, headers=headers)
        self.body = parse_slack_body(self.raw_body, self.content_type)
        self.context = build_context(BoltContext({}), self.body)


class SlackEventsHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, building `SlackHttpRequest`s; a signed body that is not JSON or a form is a 400."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            slack_request = SlackHttpRequest(body=request.get_body(), query=request.query_string,
                                             headers=request.get_headers())
        except (ValueError, TypeError, AttributeError):  # JSON errors are ValueErrors too
            return BoltResponse(status=400, body="malformed request body")
        return self.app.dispatch(slack_request)


class RequestRefused(Exception):
    """A request turned away before Bolt sees it: the HTTP status and a short reason (no body was parsed)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verified_body(environ: dict[str, Any], signing_secret: str | None, *, now: float | None = None) -> bytes:
    """The raw body of a Slack request, read only after its size and signature headers pass.

    Order matters: the declared length is checked first (over `MAX_BODY_BYTES`: 413 without reading a byte),
    then the presence, format and age of ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` (401), then
    exactly the declared bytes are read and the HMAC compared in constant time (401). Nothing parses the
    body before this returns, and it must be UTF-8 (400) because Bolt decodes it as such.
    """
    raw_length = (environ.get("CONTENT_LENGTH") or "0").strip()
    if not raw_length.isdigit():
        raise RequestRefused("400 Bad Request", "bad Content-Length")
    length = int(raw_length)
    if length > MAX_BODY_BYTES:
        raise RequestRefused("413 Content Too Large", f"body of {length} bytes (limit {MAX_BODY_BYTES})")
    if signing_secret:
        stamp = (environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").strip()
        signature = (environ.get("HTTP_X_SLACK_SIGNATURE") or "").strip()
        if not stamp or not signature:
            raise RequestRefused("401 Unauthorized", "missing signature headers")
        if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
            raise RequestRefused("401 Unauthorized", "non-numeric timestamp")
        current = time.time() if now is None else now
        if abs(current - int(stamp)) > SIGNATURE_WINDOW_S:
            raise RequestRefused("401 Unauthorized", "stale timestamp")
    body = _read_exactly(environ.get("wsgi.input"), length)
    if signing_secret:
        basestring = b"v0:" + stamp.encode() + b":" + body
        expected = "v0=" + hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise RequestRefused("401 Unauthorized", "bad signature")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefused("400 Bad Request", "body is not UTF-8") from None
    return body


def _read_exactly(stream: Any, length: int) -> bytes:
    if stream is None or length == 0:
        return b""
    chunks: list[bytes] = []
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(remaining, 65_536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def slack_request_guard(bolt: WsgiApp, signing_secret: str | None) -> WsgiApp:
    """A WSGI layer in front of Bolt: only POSTs whose size and signature pass (`verified_body`) reach it.

    A refused request is answered with its status and a one-word reason and logged on one line; whatever a
    stranger sends, nothing behind this point runs and no traceback is logged.
    """

    def guard(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise RequestRefused("405 Method Not Allowed", f"method {environ.get('REQUEST_METHOD')}")
            body = verified_body(environ, signing_secret)
        except RequestRefused as refused:
            count("slack_requests_refused_total")
            log.info("refused a request to %s: %s", EVENTS_PATH, refused.reason)
            answer = refused.reason.encode()
            headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(answer)))]
            if refused.status.startswith("405"):
                headers.append(("Allow", "POST"))
            start_response(refused.status, headers)
            return [answer]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return bolt(environ, start_response)

    return guard


def make_wsgi_app(app: App, health: Callable[[], bool], *, signing_secret: str | None,
                  pages: WsgiApp | None = None, metrics_token: str | None = None) -> WsgiApp:
    """``/healthz`` (200 when ``health()`` holds, else 503) and ``/metrics`` (Prometheus text, for whom
    `metrics_allowed` lets in) in front of Bolt's handler for ``/slack/events``, which only sees requests
    `slack_request_guard` let through, and of its "Add to Slack" pages (``GET /slack/install`` and
    ``/slack/oauth_redirect``, when the app has an OAuth flow); every other path goes to `pages` (the public
    survey pages) when given."""
    handler = SlackEventsHandler(app, path=EVENTS_PATH)
    bolt = slack_request_guard(handler, signing_secret)
    flow = app.oauth_flow
    install_paths = (flow.install_path, flow.redirect_uri_path) if flow is not None else ()

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == METRICS_PATH and method == "GET":
            if not metrics_allowed(environ, metrics_token):
                count("metrics_refused_total")
                return _plain(start_response, "403 Forbidden", b"forbidden")
            body = prometheus_text().encode()
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = _safely(health)
            body = json.dumps({"status": "ok" if healthy else "unavailable"}).encode()
            start_response("200 OK" if healthy else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path in install_paths and method == "GET":
            return handler(environ, start_response)
        if path != EVENTS_PATH:
            if pages is not None:
                return pages(environ, start_response)
            return _plain(start_response, "404 Not Found", b"not found")
        return bolt(environ, start_response)

    return wsgi


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _safely(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        log.exception("health check failed")
        return False
