"""An emulator of a generic signed-webhook chat platform, for the `adapters.webhook` adapter.

It plays both sides of the platform: `WebhookPlatform.say` signs and POSTs an event to crmbot's
``/webhook/events`` the way the platform would when a user types, clicks or replies in a thread, and a
small HTTP server takes crmbot's pushes (checking their signatures), records them and answers with a
message id. `fail_next` makes the next pushes answer an error status, to exercise retries.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

import requests

from adapters.webhook.protocol import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify


@dataclass
class Push:
    """One push crmbot POSTed to the platform."""

    target: dict[str, Any]
    messages: list[dict[str, Any]]
    replaces: str | None
    message_id: str

    @property
    def text(self) -> str:
        return "\n".join(message["text"] for message in self.messages)


@dataclass
class Answer:
    """crmbot's HTTP answer to one event."""

    status: int
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def text(self) -> str:
        return "\n".join(message["text"] for message in self.messages)


@dataclass
class WebhookPlatform:
    """The fake platform: sends users' events to crmbot and records crmbot's pushes."""

    secret: str
    bot_url: str = ""  # crmbot's ``http://host:port`` (set once crmbot listens)
    workspace: str = "acme"
    pushes: list[Push] = field(default_factory=list)
    bad_pushes: int = 0  # pushes refused for a wrong signature
    _failures: list[int] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # -- the user side ------------------------------------------------------------------------------

    def say(
        self, text: str, *, user: str = "u-alice", name: str | None = "Alice", channel: str | None = None,
        direct: bool = True, kind: str = "message", event_id: str | None = None, thread: str | None = None,
        secret: str | None = None, timestamp: int | None = None,
    ) -> Answer:
        """What a user does, as the platform POSTs it (signed with `secret`, default the shared one)."""
        event = {
            "id": event_id or f"evt-{next(self._ids)}", "kind": kind, "workspace": self.workspace,
            "channel": channel or f"dm-{user}", "direct": direct, "thread": thread, "text": text,
            "user": {"id": user, "name": name, "timezone": "Asia/Shanghai"},
        }
        return self.post(json.dumps(event).encode(), secret=secret, timestamp=timestamp)

    def post(self, body: bytes, *, secret: str | None = None, timestamp: int | None = None) -> Answer:
        """POST a raw body to crmbot's events endpoint, signed."""
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp,
                   SIGNATURE_HEADER: sign(secret or self.secret, stamp, body)}
        response = requests.post(f"{self.bot_url}/webhook/events", data=body, headers=headers, timeout=10)
        return Answer(response.status_code, response.json())

    # -- the push side ------------------------------------------------------------------------------

    @property
    def outbound_url(self) -> str:
        """Where crmbot pushes (after `start`)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/push"

    def fail_next(self, *statuses: int) -> None:
        """Answer the next pushes with these HTTP statuses instead of accepting them."""
        with self._lock:
            self._failures.extend(statuses)

    def pushes_to(self, *, user: str | None = None, channel: str | None = None) -> list[Push]:
        """Recorded pushes to a user's DM or a channel."""
        return [p for p in self.pushes
                if (user is None or p.target.get("user") == user) and (channel is None or p.target.get("channel") == channel)]

    def start(self) -> WebhookPlatform:
        """Start taking pushes on 127.0.0.1 (a free port)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _push_handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="webhook-emulator", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop taking pushes."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _take(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if not verify(self.secret, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), body, now=time.time()):
            with self._lock:
                self.bad_pushes += 1
            return 401, {"error": "bad signature"}
        with self._lock:
            if self._failures:
                return self._failures.pop(0), {"error": "induced failure"}
            data = json.loads(body)
            message_id = data.get("replace") or f"msg-{next(self._ids)}"
            self.pushes.append(Push(data["target"], data["messages"], data.get("replace"), message_id))
        return 200, {"message_id": message_id}


def _push_handler(platform: WebhookPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = platform._take(self.headers, body)
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    return Handler
