"""`WebhookService`: the listener `crmbot run` starts when ``[platforms.webhook] secret`` is set.

``POST /webhook/events`` takes one signed event (see `protocol`) and answers it in the response: the
command runs through `Bot.handle` (dedupe by the event id, identity, parsing, access and the unit of work
are the core's) and its replies are degraded and paged by the core to the platform's capabilities. A
`share` is posted into the channel through the sender (when ``outbound_url`` is set) and recorded, so
later changes redraw it in place (the platform's messages are editable).  ``GET /healthz`` answers 200 while the database does.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from adapters.bootstrap import Runtime
from adapters.webhook.platform import PLATFORM
from adapters.webhook.protocol import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadRequest,
    InboundEvent,
    render,
    translate,
    verify,
)
from adapters.webhook.sender import WebhookSender
from bot import conversation
from bot.delivery import share_post
from bot.dispatcher import Bot
from bot.errors import report_error
from bot.events import CustomerChanged, Event
from bot.messages import Reply, Target

log = logging.getLogger("crmbot.webhook")

EVENTS_PATH = "/webhook/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20


class WebhookStartupError(RuntimeError):
    """The webhook section of the settings is unusable."""


class WebhookService:
    """The webhook endpoint plus, when the platform takes pushes, the webhook sender."""

    name = PLATFORM
    is_platform = True

    def __init__(self, runtime: Runtime, *, wall_clock: Callable[[], float] = time.time) -> None:
        section = runtime.settings.platforms.get(PLATFORM, {})
        secret = str(section.get("secret") or "")
        if not secret:
            raise WebhookStartupError("the webhook platform needs [platforms.webhook] secret")
        self.runtime = runtime
        self.secret = secret
        self.host = str(section.get("host") or runtime.settings.http_host)
        self.port = int(section.get("port", 3100))
        self._wall_clock = wall_clock
        outbound = str(section.get("outbound_url") or "")
        self.sender = WebhookSender(outbound, secret) if outbound else None
        if self.sender is not None:
            runtime.add_sender(self.sender)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if self.sender is not None:
            runtime.bot.add_listener(self.on_event)

    @property
    def url(self) -> str:
        """``http://host:port`` as bound (after `start`)."""
        if self._server is None:
            raise RuntimeError("the webhook endpoint is not running")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> None:
        """Listen on ``host:port`` (port 0 picks a free one) in a background thread."""
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-http", daemon=True)
        self._thread.start()
        log.info("webhook endpoint listening on %s%s", self.url, EVENTS_PATH)

    def stop(self) -> None:
        """Stop listening and close the push connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.sender is not None:
            self.sender.close()

    # -- one request ---------------------------------------------------------------------------------

    def answer(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer for one POSTed event."""
        if not verify(self.secret, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), body,
                      now=self._wall_clock()):
            return 401, {"error": "bad signature"}
        try:
            event = translate(body)
        except BadRequest as exc:
            return 400, {"error": str(exc)}
        bot: Bot = self.runtime.bot
        messages: list[dict[str, Any]] = []
        for reply in bot.handle(event.incoming):
            if reply.share_customer_id is not None and self._share(bot, event, reply):
                continue
            if reply.share_customer_id is not None:
                reply = share_post(reply)
            messages += render(reply, seen_by_others=event.seen_by_others)
        return 200, {"messages": messages}

    def _share(self, bot: Bot, event: InboundEvent, reply: Reply) -> bool:
        """Post a shared card through the sender and record it; False when it has to go inline."""
        incoming = event.incoming
        if self.sender is None or incoming.is_direct or reply.share_customer_id is None:
            return False
        try:
            sent = self.sender.send(Target(PLATFORM, incoming.workspace, channel=incoming.channel), share_post(reply))
        except Exception as exc:
            report_error(exc, {"platform": PLATFORM, "stage": "share"})
            return False
        bot.record_shared_card(customer_id=reply.share_customer_id, platform=PLATFORM, workspace=incoming.workspace,
                               channel=incoming.channel, message_id=sent.message_id, shared_by=incoming)
        return True

    def on_event(self, event: Event) -> None:
        """Core listener (after the commit): redraw the customer's shared cards when it changed."""
        if self.sender is not None and isinstance(event, CustomerChanged):
            conversation.redraw_shared_cards(self.runtime.bot, self.sender, event.customer_id)

    def healthy(self) -> bool:
        """Whether the core reaches its database."""
        return conversation.healthy(self.runtime.bot)


def _handler_for(service: WebhookService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "crmbot-webhook"

        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path != EVENTS_PATH:
                self._send(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"error": "body too large"})
                return
            try:
                status, answer = service.answer(self.headers, self.rfile.read(length))
            except Exception as exc:
                ref = report_error(exc, {"platform": PLATFORM, "stage": "request"})
                status, answer = 500, {"error": f"internal error {ref}"}
            self._send(status, answer)

        def do_GET(self) -> None:  # noqa: N802
            if self.path != HEALTH_PATH:
                self._send(404, {"error": "not found"})
                return
            try:
                ok = service.healthy()
            except Exception:
                ok = False
            self._send(200 if ok else 503, {"ok": ok})

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            body = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's signature)
            log.debug("webhook %s", format % args)

    return Handler
