"""Local DingTalk gateway emulator: Stream gateway, sessionWebhook and OpenAPI on one loopback port.

The unmodified `dingtalk_stream` SDK (and our own HTTP code) runs against it end to end with no network.
One aiohttp app serves HTTP and WebSocket in a daemon thread with its own event loop; every public method
here is synchronous so plain pytest tests can drive it.

    with DingTalkEmulator(disconnect_grace=0.5) as emu:
        point_sdk_at(emu.base_url)          # or set DINGTALK_OPENAPI_ENDPOINT before importing the SDK
        ...start a DingTalkStreamClient with emu.config.client_id / client_secret...
        emu.wait_for_connections(1)
        result = emu.send_bot_message("客户 阿里巴巴", conversation_type="2")
        assert result["ack"]["code"] == 200

Routes live in `dingtalk_gateway` (stream),
`dingtalk_openapi` (robot APIs), `dingtalk_cards` and `dingtalk_webhooks`; wire shapes in `dingtalk_payloads`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, Generic, TypeVar

from aiohttp import web

from tests.emulators.dingtalk_cards import CardApi
from tests.emulators.dingtalk_gateway import AckTimeoutError, Gateway, NoConnectionError
from tests.emulators.dingtalk_openapi import RobotOpenApi
from tests.emulators.dingtalk_payloads import (
    BOT_MESSAGE_TOPIC,
    CARD_CALLBACK_TOPIC,
    EVENT_TOPIC,
    PING_TOPIC,
    build_bot_message,
    build_card_callback,
    build_event,
)
from tests.emulators.dingtalk_sdk import point_sdk_at, sdk_endpoint_patches
from tests.emulators.dingtalk_state import (
    Card,
    Clock,
    Connection,
    CustomRobot,
    EmulatorConfig,
    EmulatorState,
    InjectedFailure,
    Session,
    Ticket,
)
from tests.emulators.dingtalk_webhooks import Webhooks

__all__ = [
    "AckTimeoutError",
    "DingTalkEmulator",
    "EmulatorConfig",
    "NoConnectionError",
    "point_sdk_at",
    "sdk_endpoint_patches",
]

T = TypeVar("T")


class _StateView(Generic[T]):
    """Read-only attribute that shows a recorded list or registry of the emulator state."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: DingTalkEmulator | None, objtype: type | None = None) -> T:
        if obj is None:
            raise AttributeError(f"{self.name} is recorded per emulator instance")
        return getattr(obj.state, self.name)


def _body_for_record(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class DingTalkEmulator:
    """The emulator. Construct with `EmulatorConfig` field overrides, then `start()` (or use `with`)."""

    open_requests = _StateView[list[dict[str, Any]]]()
    tickets = _StateView[dict[str, Ticket]]()
    connections = _StateView[list[Connection]]()
    frames_sent = _StateView[list[dict[str, Any]]]()
    frames_received = _StateView[list[dict[str, Any]]]()
    frames_lost = _StateView[list[dict[str, Any]]]()
    session_replies = _StateView[list[dict[str, Any]]]()
    api_calls = _StateView[list[dict[str, Any]]]()
    robot_messages = _StateView[list[dict[str, Any]]]()
    custom_robot_messages = _StateView[list[dict[str, Any]]]()
    cards = _StateView[dict[str, Card]]()
    tokens = _StateView[dict[str, float]]()
    sessions = _StateView[dict[str, Session]]()
    media = _StateView[dict[str, dict[str, Any]]]()

    def __init__(self, *, port: int = 0, clock: Clock = time.time, **settings: Any) -> None:
        self.config = EmulatorConfig(**settings)
        self.state = EmulatorState(self.config, clock)
        self._requested_port = port
        self.port = 0
        self._gateway = Gateway(self.state)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ---- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`: the OpenAPI endpoint, gateway and webhook host in one."""
        if not self.port:
            raise RuntimeError("emulator is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DingTalkEmulator:
        """Start serving on 127.0.0.1 in a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="dingtalk-emulator", daemon=True)
        self._thread.start()
        self.port = self._call(self._start_site(), timeout=10)
        self.state.base_url = self.base_url
        return self

    def stop(self) -> None:
        """Close every websocket, stop the server and join its thread."""
        if self._thread is None or self._loop is None:
            return
        try:
            self._call(self._shutdown(), timeout=15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> DingTalkEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Clear recorded lists and injected failures; keep configuration, registries and connections."""
        self.state.reset_records()

    def _serve(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            leftovers = asyncio.all_tasks(self._loop)
            for task in leftovers:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            self._loop.close()

    async def _start_site(self) -> int:
        app = web.Application(middlewares=[self._record_and_inject])  # type: ignore[list-item]  # an old-style middleware
        self._gateway.register(app)
        RobotOpenApi(self.state).register(app)
        CardApi(self.state).register(app)
        Webhooks(self.state).register(app)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._requested_port)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        await self._gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record_and_inject(
        self, request: web.Request, handler: Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]
    ) -> web.StreamResponse:
        # Multipart bodies are left unread here: aiohttp cannot re-parse a consumed multipart stream.
        multipart = request.content_type.startswith("multipart/")
        body = None if multipart or not request.can_read_body else _body_for_record(await request.read())
        self.state.record(self.state.api_calls, {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body,
        })
        failure = self.state.take_failure(request.path)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status)
        return await handler(request)

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("emulator is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ---- payload builders (registering sessions, groups and files as a side effect) ------------

    def build_bot_message(self, text: str = "", *, session_ttl: float | None = None, **kw: Any) -> dict[str, Any]:
        """A chatbot payload whose sessionWebhook points back here and expires after `session_ttl` s.

        Group messages also make the robot "in" that group for `groupMessages/send`; any downloadCode
        becomes downloadable through `messageFiles/download`.
        """
        ttl = self.config.session_webhook_ttl if session_ttl is None else session_ttl
        session = secrets.token_hex(16)
        payload = build_bot_message(
            text, robot=self.config.robot, now_ms=self.state.now_ms(), session_ttl_ms=int(ttl * 1000),
            session_webhook=f"{self.base_url}/robot/sendBySession?session={session}", **kw,
        )
        self.state.sessions[session] = Session(
            session=session, conversation_id=payload["conversationId"],
            conversation_type=payload["conversationType"], sender_staff_id=payload["senderStaffId"],
            msg_id=payload["msgId"], expires_at=self.state.now() + ttl,
        )
        if payload["conversationType"] == "2":
            self.state.groups.setdefault(payload["conversationId"], payload.get("conversationTitle", ""))
        for code in _download_codes(payload):
            self.state.files.setdefault(code, f"emulated file {code}".encode())
        return payload

    def build_card_callback(self, out_track_id: str, user_id: str = "rep001", **kw: Any) -> dict[str, Any]:
        """A card button callback payload from this emulator's corp."""
        return build_card_callback(out_track_id, user_id, corp_id=self.config.corp_id, **kw)

    def build_event(self, event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """`{"headers": event headers, "data": payload}` for an EVENT push."""
        return build_event(event_type, payload, corp_id=self.config.corp_id, app_id=self.config.app_id,
                           now_ms=self.state.now_ms())

    # ---- pushes --------------------------------------------------------------------------------

    def send_bot_message(
        self,
        text: str = "",
        *,
        wait_ack: bool = True,
        timeout: float = 10.0,
        message_id: str | None = None,
        data: dict[str, Any] | None = None,
        connection_id: str | None = None,
        topic: str = BOT_MESSAGE_TOPIC,
        **builder_kw: Any,
    ) -> dict[str, Any]:
        """Push a chatbot message; `{messageId, frame, ack, data, ackData}` (`data` = the payload sent)."""
        payload = data if data is not None else self.build_bot_message(text, **builder_kw)
        return self._push("CALLBACK", topic, payload, message_id=message_id, connection_id=connection_id,
                          wait_ack=wait_ack, timeout=timeout)

    def send_card_callback(
        self,
        out_track_id: str,
        user_id: str = "rep001",
        *,
        wait_ack: bool = True,
        timeout: float = 10.0,
        message_id: str | None = None,
        data: dict[str, Any] | None = None,
        **builder_kw: Any,
    ) -> dict[str, Any]:
        """Push a card button click; `ackData` is `{"response": <handler result>}`."""
        payload = data if data is not None else self.build_card_callback(out_track_id, user_id, **builder_kw)
        return self._push("CALLBACK", CARD_CALLBACK_TOPIC, payload, message_id=message_id, wait_ack=wait_ack,
                          timeout=timeout)

    def send_event(
        self, event_type: str, payload: Mapping[str, Any], *, wait_ack: bool = True, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Push an EVENT (to connections subscribed to `EVENT *`)."""
        event = self.build_event(event_type, payload)
        return self._push("EVENT", EVENT_TOPIC, event["data"], extra_headers=event["headers"],
                          wait_ack=wait_ack, timeout=timeout)

    def send_ping(
        self, *, connection_id: str | None = None, wait_ack: bool = True, timeout: float = 5.0
    ) -> dict[str, Any]:
        """SYSTEM ping with a fresh `opaque`; the ACK must echo it."""
        return self._push("SYSTEM", PING_TOPIC, {"opaque": secrets.token_hex(16)}, connection_id=connection_id,
                          wait_ack=wait_ack, timeout=timeout, redeliver=False)

    def send_disconnect(self, reason: str = "emulator asked to reconnect", *,
                        connection_id: str | None = None) -> dict[str, Any]:
        """SYSTEM disconnect (no messageId): no more pushes there, closed after `disconnect_grace` s."""
        return self._call(self._gateway.send_disconnect(reason, connection_id), timeout=5)

    def kill_connection(self, code: int = 1011, *, connection_id: str | None = None) -> str:
        """Abrupt close with `code` (default 1011); returns the connection id."""
        return self._call(self._gateway.kill_connection(code, connection_id), timeout=15)

    def stall(self, connection_id: str | None = None) -> list[str]:
        """Zombie mode for open connections (all, or one): socket stays up, pushes and pings vanish."""
        return self._call(_as_coroutine(self._gateway.stall, connection_id), timeout=5)

    def _push(self, frame_type: Any, topic: str, data: dict[str, Any], *, timeout: float, **kw: Any) -> dict[str, Any]:
        return self._call(self._gateway.push(frame_type, topic, data, timeout=timeout, **kw), timeout=timeout + 5)

    # ---- waiting -------------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], T], timeout: float, description: str) -> T:
        """Block until `predicate()` is truthy (re-checked on every state change); returns its value."""
        deadline = time.monotonic() + timeout
        with self.state.changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout}s waiting for {description}")
                # The timeout also covers changes nobody notified (e.g. the clock moving).
                self.state.changed.wait(min(remaining, 0.05))

    def wait_for_connections(self, n: int = 1, timeout: float = 5.0) -> list[Connection]:
        """Wait until at least `n` connections are open and not draining; returns them."""
        def live() -> list[Connection]:
            conns = [c for c in self.state.connections if c.live]
            return conns if len(conns) >= n else []
        return self.wait_for(live, timeout, f"{n} live connection(s)")

    def wait_for_total_connections(self, n: int, timeout: float = 5.0) -> list[Connection]:
        """Wait until `n` connections were ever opened (reconnect tests); returns all of them."""
        return self.wait_for(lambda: list(self.state.connections) if len(self.state.connections) >= n else [],
                             timeout, f"{n} connection(s) in total")

    def wait_for_session_replies(self, n: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `n` sessionWebhook replies were recorded; returns them all."""
        return self.wait_for(lambda: list(self.state.session_replies) if len(self.state.session_replies) >= n else [],
                             timeout, f"{n} session webhook reply(ies)")

    def wait_for_api_call(self, path: str, n: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `path` was requested `n` times; returns those calls."""
        def calls() -> list[dict[str, Any]]:
            matching = [c for c in self.state.api_calls if c["path"] == path]
            return matching if len(matching) >= n else []
        return self.wait_for(calls, timeout, f"{n} call(s) to {path}")

    # ---- knobs ---------------------------------------------------------------------------------

    def set_invalid_users(self, user_ids: Iterable[str]) -> None:
        """Staff ids batchSend reports in `invalidStaffIdList` (not in the org)."""
        self.state.invalid_users = set(user_ids)

    def set_flow_controlled_users(self, user_ids: Iterable[str]) -> None:
        """Staff ids batchSend reports in `flowControlledStaffIdList` (rate limited)."""
        self.state.flow_controlled_users = set(user_ids)

    def set_drop_acks(self, enabled: bool = True) -> None:
        """Pretend client ACKs are lost (they are still recorded in `frames_received`)."""
        self.config.drop_acks = enabled

    def register_group(self, open_conversation_id: str, title: str = "") -> None:
        """Put the robot "in" a group so `groupMessages/send` accepts its openConversationId."""
        self.state.groups[open_conversation_id] = title

    def register_custom_robot(self, access_token: str, secret: str | None = None) -> str:
        """Create a custom group robot; returns its webhook URL (`/robot/send?access_token=…`)."""
        self.state.custom_robots[access_token] = CustomRobot(access_token=access_token, secret=secret)
        return f"{self.base_url}/robot/send?access_token={access_token}"

    def register_file(self, download_code: str, content: bytes) -> None:
        """Bytes to serve for a `downloadCode`."""
        self.state.files[download_code] = content

    def expire_token(self, token: str | None = None) -> None:
        """Expire one access token, or every issued token when `token` is None."""
        for tok in [token] if token is not None else list(self.state.tokens):
            if tok not in self.state.tokens:
                raise KeyError(f"unknown access token {tok!r}")
            self.state.tokens[tok] = 0.0

    def expire_session(self, session: str) -> None:
        """Expire a sessionWebhook; accepts the session id or the full webhook URL."""
        key = session.rsplit("session=", 1)[-1]
        if key not in self.state.sessions:
            raise KeyError(f"unknown session {session!r}")
        self.state.sessions[key].expires_at = 0.0

    def advance_clock(self, seconds: float) -> None:
        """Move emulator time forward (tickets, tokens, sessions, custom-robot windows) without sleeping."""
        self.state.advance_clock(seconds)
        self.state.notify()

    def fail_next(self, path: str, status: int, body: Any = None, *, times: int = 1) -> None:
        """Answer the next `times` requests to `path` with `status` and `body` (default OpenAPI error shape)."""
        if body is None:
            body = {"requestid": secrets.token_hex(8).upper(), "code": "emulator.injected",
                    "message": f"injected failure {status}"}
        self.state.failures.setdefault(path, deque()).extend(InjectedFailure(status, body) for _ in range(times))

    def throttle_next(self, path: str, *, times: int = 1) -> None:
        """Answer the next `times` requests to `path` with 429 flow control (`send.too.fast`)."""
        self.fail_next(path, 429, {"requestid": secrets.token_hex(8).upper(), "code": "send.too.fast",
                                   "message": "flow control: too many requests"}, times=times)


async def _as_coroutine(func: Callable[..., T], *args: Any) -> T:
    return func(*args)


def _download_codes(payload: Mapping[str, Any]) -> list[str]:
    content = payload.get("content")
    if not isinstance(content, dict):
        return []
    rich = content.get("richText")
    items = rich if isinstance(rich, list) else [content]
    return [i["downloadCode"] for i in items if isinstance(i, dict) and isinstance(i.get("downloadCode"), str)]
