"""What a stranger can send to ``/slack/events``: refused before any parsing, never a 500 or a traceback.

Requests go over a real socket to the waitress server `crmbot run` starts, so Content-Length handling and
chunked bodies are the server's own.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import select
import socket
import time
from urllib.parse import urlsplit

import pytest

from adapters.slack import server
from tests.adapters.slack.conftest import ALICE, CHANNEL, SECRET
from tests.emulators import slack_requests as inbound


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Every body Bolt's side parses (nothing a refused request sends may reach it)."""
    seen: list[str] = []
    original = server.parse_slack_body

    def spy(raw: str, content_type: str | None):
        seen.append(raw)
        return original(raw, content_type)

    monkeypatch.setattr(server, "parse_slack_body", spy)
    return seen


def _no_tracebacks(caplog) -> None:
    noisy = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not noisy, [r.getMessage() for r in noisy]


def _raw(slack, payload: bytes, *pieces: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (then ``pieces`` one by one, until the server answers) and read the answer."""
    parts = urlsplit(slack.url)
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(payload)
        try:
            for piece in pieces:
                if select.select([sock], [], [], 0.05)[0]:
                    break  # answered early (e.g. 413): stop sending, as a real client would
                sock.sendall(piece)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server closed its side after answering
            pass
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    status = int(answer.split(b" ", 2)[1])
    return status, answer.partition(b"\r\n\r\n")[2]


def _post(slack, body: bytes, headers: dict[str, str | bytes]) -> tuple[int, str]:
    parts = urlsplit(slack.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _signed_headers(body: bytes) -> dict[str, str]:
    """Slack's signature over the exact bytes (which need not be valid UTF-8)."""
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": inbound.FORM, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest}


JUNK_HEADERS = [
    pytest.param({}, id="no-signature"),
    pytest.param({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"}, id="non-numeric-timestamp"),
    pytest.param({"X-Slack-Request-Timestamp": "１７００００００００".encode(), "X-Slack-Signature": "v0=abc"},
                 id="full-width-digits"),
    pytest.param({"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=abc"}, id="huge-timestamp"),
    pytest.param({"X-Slack-Request-Timestamp": str(int(time.time()) - 3600), "X-Slack-Signature": "v0=abc"},
                 id="stale"),
    pytest.param({"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=deadbeef"},
                 id="bad-signature"),
    pytest.param({"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=é"},
                 id="non-ascii-signature"),
]


@pytest.mark.parametrize("headers", JUNK_HEADERS)
def test_unsigned_junk_gets_401_and_nothing_parses_it(slack, parsed, caplog, headers):
    caplog.set_level(logging.INFO)
    for body in (b"{not json", b"payload=%7B%7B%7B", b"\xff\xfe\x00garbage", b"command=/crm&text=new+Intruder"):
        status, _ = _post(slack, body, {"Content-Type": inbound.FORM, **headers})
        assert status == 401
    assert parsed == []
    _no_tracebacks(caplog)


def test_a_declared_body_over_1_mb_gets_413_without_being_sent(slack, parsed, caplog):
    caplog.set_level(logging.INFO)
    head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {inbound.FORM}\r\n"
            f"Content-Length: {50 * 1024 * 1024}\r\n\r\n").encode()
    status, _ = _raw(slack, head + b"a" * 1000)  # the 50 MB never follow
    assert status == 413
    assert parsed == []
    _no_tracebacks(caplog)


def test_a_chunked_body_over_1_mb_gets_413(slack, parsed, caplog):
    caplog.set_level(logging.INFO)
    chunk = b"a" * 65536
    chunks = [b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(40)] + [b"0\r\n\r\n"]
    head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {inbound.FORM}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    status, _ = _raw(slack, head, *chunks)
    assert status == 413
    assert parsed == []
    _no_tracebacks(caplog)


def test_a_signed_chunked_command_still_runs(slack):
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    body = inbound.slash_command("new Chunked Co", response_url=hook).encode()
    headers = _signed_headers(body)
    head = "POST /slack/events HTTP/1.1\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n" % len(part) + part + b"\r\n" for part in (body[:half], body[half:])) + b"0\r\n\r\n"
    status, _ = _raw(slack, head.encode() + chunks)
    assert status == 200
    assert "Chunked Co" in str(slack.answers(hook))


def test_bad_content_length_and_other_methods_are_refused_quietly(slack, parsed, caplog):
    caplog.set_level(logging.INFO)
    status, _ = _raw(slack, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
    assert status == 400
    status, _ = _raw(slack, b"GET /slack/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 405
    status, _ = _raw(slack, b"\x00\x01\x02 garbage \xff\r\n\r\n")
    assert status == 400
    status, _ = _raw(slack, b"POST /wp-login.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 404
    assert parsed == []
    _no_tracebacks(caplog)


@pytest.mark.parametrize("body", [
    pytest.param(b"{not json", id="broken-json"),
    pytest.param(b"[1, 2, 3]", id="json-list"),
    pytest.param(b"payload=%7Bnope", id="broken-payload"),
    pytest.param(b"payload=%5B%5D", id="payload-list"),
    pytest.param(b"text=\xff\xfe", id="invalid-utf8"),
])
def test_a_correctly_signed_malformed_body_is_a_400_not_a_500(slack, caplog, body):
    caplog.set_level(logging.INFO)
    status, _ = _post(slack, body, _signed_headers(body))
    assert status == 400
    _no_tracebacks(caplog)


def test_nul_bytes_and_lone_surrogates_in_a_signed_command_get_a_clear_answer(slack, caplog):
    caplog.set_level(logging.INFO)
    hook = slack.fake.hooks_url(channel=CHANNEL, user_id=ALICE)
    assert slack.post(inbound.slash_command("find Ac\x00me", response_url=hook)).status == 200
    (answer,) = slack.answers(hook)
    assert "NUL byte" in answer["text"] and "E-" not in answer["text"]
    # JSON may carry a lone surrogate as an escape; the event is acknowledged and answered without an error.
    event = inbound.message_event("find \\ud800 x", user_id=ALICE, channel_id=CHANNEL, channel_type="im")
    assert slack.post(inbound.event_callback(event).replace("\\\\ud800", "\\ud800"), inbound.JSON).status == 200
    slack.drain()
    posted = [str(call) for call in slack.fake.calls("chat.postMessage")]
    assert any("invalid Unicode" in text for text in posted), posted
    _no_tracebacks(caplog)
