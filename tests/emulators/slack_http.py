"""The HTTP side of the fake Slack: a stdlib `ThreadingHTTPServer` bound to ``127.0.0.1:0``.

Routes ``/api/<method>`` (GET or POST, any of JSON / form / query encodings, as slack_sdk mixes them)
and ``POST /hooks/<id>`` to a `SlackBackend`; everything else is 404. Parsing lives here so the
backend only sees decoded parameters.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from tests.emulators.slack_model import ApiError

API_PREFIX = "/api/"
HOOKS_PREFIX = "/hooks/"


class SlackBackend(Protocol):
    """What the HTTP layer needs from the emulator."""

    def serve_api(
        self, method: str, http_verb: str, headers: dict[str, str], params: dict[str, Any] | ApiError
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer a Web API call: (status, extra headers, JSON body)."""
        ...

    def serve_hook(self, hook_id: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """Answer a response_url POST: (status, text body)."""
        ...


def parse_params(content_type: str, query: str, body: bytes) -> dict[str, Any]:
    """Merge query-string and body parameters; JSON bodies keep their decoded values.

    Raises `ApiError` ``invalid_json`` / ``invalid_form_data`` like Slack for bodies it cannot read.
    """
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if not body:
        return params
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise ApiError("invalid_json")
        params.update(decoded)
    elif media_type in {"application/x-www-form-urlencoded", ""}:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    else:
        # multipart/form-data is only used for file uploads, which crmbot does not do.
        raise ApiError("invalid_form_data", detail=f"unsupported content type {media_type!r}")
    return params


class _SlackRequestHandler(BaseHTTPRequestHandler):
    server: SlackHttpServer
    server_version = "FakeSlack/1.0"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request stderr logging; the call log is the record."""

    def _dispatch(self, http_verb: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        backend = self.server.backend
        headers = {name.lower(): value for name, value in self.headers.items()}
        if url.path.startswith(API_PREFIX):
            try:
                params: dict[str, Any] | ApiError = parse_params(
                    headers.get("content-type", ""), url.query, body
                )
            except ApiError as exc:
                params = exc
            status, extra, payload = backend.serve_api(
                url.path[len(API_PREFIX) :], http_verb, headers, params
            )
            self._send(status, json.dumps(payload), "application/json; charset=utf-8", extra)
        elif url.path.startswith(HOOKS_PREFIX) and http_verb == "POST":
            status, text = backend.serve_hook(url.path[len(HOOKS_PREFIX) :], headers, body)
            self._send(status, text, "text/plain; charset=utf-8", {})
        else:
            self._send(404, "not_found", "text/plain; charset=utf-8", {})

    def _send(self, status: int, text: str, content_type: str, extra: dict[str, str]) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class SlackHttpServer(ThreadingHTTPServer):
    """One server thread per request; daemon threads so a hung client never blocks interpreter exit."""

    daemon_threads = True

    def __init__(self, backend: SlackBackend) -> None:
        super().__init__(("127.0.0.1", 0), _SlackRequestHandler)
        self.backend = backend
        self._thread: threading.Thread | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when the client hung up first (expected after `slow`); report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        """The OS-assigned port."""
        return self.server_address[1]

    def start(self) -> None:
        """Serve in a background thread."""
        # A short poll interval keeps stop() (and so every fixture teardown) at ~10 ms instead of 0.5 s.
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.01,), name=f"fake-slack-{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
