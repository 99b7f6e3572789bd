"""The Stream-mode half of the emulator: ticket registration, the `/connect` websocket and pushes.

Mirrors DingTalk's stream gateway: single-use 90 s tickets, frames with `data` as a JSON string, ACK matching by
`headers.messageId`, random (or "last") routing across live connections, SYSTEM ping/disconnect, abrupt
kills, redelivery of unACKed pushes, lost ACKs and zombie ("stalled") sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from tests.emulators.dingtalk_payloads import (
    DISCONNECT_TOPIC,
    PING_TOPIC,
    FrameType,
    build_frame,
    new_stream_message_id,
)
from tests.emulators.dingtalk_state import (
    Connection,
    EmulatorState,
    PendingPush,
    Ticket,
    error_response,
    json_response,
)


class NoConnectionError(RuntimeError):
    """No live connection can take a push (nothing connected, or nothing subscribed to the topic)."""


class AckTimeoutError(TimeoutError):
    """The client did not ACK a push in time (or ACKs are being dropped)."""


def _parse_ack_data(ack: dict[str, Any] | None) -> Any:
    if ack is None or not isinstance(ack.get("data"), str):
        return None
    try:
        return json.loads(ack["data"])
    except ValueError:
        return None


class Gateway:
    """Serves `/v1.0/gateway/connections/open` and `/connect`, and pushes frames to connections."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._rng = random.Random(state.config.seed)
        self._pending: dict[str, PendingPush] = {}

    def register(self, app: web.Application) -> None:
        """Add the gateway routes to the emulator app."""
        app.router.add_post("/v1.0/gateway/connections/open", self.open_connection)
        app.router.add_get("/connect", self.connect)

    # ---- HTTP: ticket registration -------------------------------------------------------------

    async def open_connection(self, request: web.Request) -> web.Response:
        """Validate credentials and subscriptions, then hand out a fresh single-use ticket."""
        cfg = self.state.config
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.state.record(
            self.state.open_requests,
            {"headers": {k.lower(): v for k, v in request.headers.items()}, "body": body},
        )
        if not isinstance(body, dict):
            return error_response(400, "invalidParameter.body", "request body must be a JSON object")
        if body.get("clientId") != cfg.client_id or body.get("clientSecret") != cfg.client_secret:
            return error_response(401, "InvalidAuthentication", "clientId or clientSecret is invalid")
        subscriptions = body.get("subscriptions")
        problem = self._subscription_problem(subscriptions)
        if problem:
            return error_response(400, "invalidParameter.subscriptions", problem)
        ticket = Ticket(
            ticket=str(uuid.uuid4()),
            connection_id=str(uuid.uuid4()),
            expires_at=self.state.now() + cfg.ticket_ttl,
            subscriptions=list(subscriptions or []),
            ua=str(body.get("ua", "")),
            local_ip=str(body.get("localIp", "")),
        )
        self.state.tickets[ticket.ticket] = ticket
        self.state.notify()
        return json_response({"endpoint": f"ws://{request.host}/connect", "ticket": ticket.ticket})

    @staticmethod
    def _subscription_problem(subscriptions: Any) -> str | None:
        if not isinstance(subscriptions, list) or not subscriptions:
            return "subscriptions must be a non-empty list"
        for sub in subscriptions:
            if not isinstance(sub, dict) or sub.get("type") not in ("EVENT", "CALLBACK") or not sub.get("topic"):
                return f"invalid subscription {sub!r}: need type EVENT or CALLBACK and a topic"
            if sub["type"] == "EVENT" and sub["topic"] != "*":
                return f"EVENT subscriptions only accept topic '*', got {sub['topic']!r}"
        return None

    # ---- WebSocket ----------------------------------------------------------------------------

    async def connect(self, request: web.Request) -> web.StreamResponse:
        """Upgrade a request carrying a valid, unused, unexpired ticket; 401 otherwise."""
        ticket = self.state.tickets.get(request.query.get("ticket", ""))
        if ticket is None or ticket.used or ticket.expires_at < self.state.now():
            return web.Response(status=401, text="invalid, used or expired ticket")
        ticket.used = True
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(
            id=ticket.connection_id,
            subscriptions=ticket.subscriptions,
            opened_at=self.state.now(),
            ticket=ticket.ticket,
            ws=ws,
        )
        self.state.record(self.state.connections, conn)
        pinger = asyncio.create_task(self._ping_loop(conn)) if self.state.config.ping_interval else None
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_client_frame(conn, msg.data)
        finally:
            if pinger:
                pinger.cancel()
            conn.closed, conn.closed_at = True, self.state.now()
            if conn.close_code is None:  # closed by the client (or the network), not by _close()
                conn.close_code = ws.close_code
            self.state.notify()
        return ws

    def _on_client_frame(self, conn: Connection, raw: str) -> None:
        try:
            frame: Any = json.loads(raw)
        except ValueError:
            frame = None
        self.state.record(self.state.frames_received, {"connectionId": conn.id, "frame": frame, "raw": raw})
        if not isinstance(frame, dict) or self.state.config.drop_acks:
            return
        message_id = (frame.get("headers") or {}).get("messageId")
        pending = self._pending.get(message_id) if isinstance(message_id, str) else None
        if pending is None or pending.future.done():
            return
        pending.future.set_result(frame)
        for mid in pending.message_ids:
            self._pending.pop(mid, None)
        if pending.redelivery:
            pending.redelivery.cancel()

    async def _ping_loop(self, conn: Connection) -> None:
        interval = self.state.config.ping_interval or 0
        while not conn.closed:
            await asyncio.sleep(interval)
            if conn.live and not conn.stalled:
                with contextlib.suppress(NoConnectionError, ConnectionError):
                    await self.push("SYSTEM", PING_TOPIC, {"opaque": str(uuid.uuid4())},
                                    connection_id=conn.id, wait_ack=False, redeliver=False)

    # ---- pushes -------------------------------------------------------------------------------

    def pick_connection(self, frame_type: str, topic: str, connection_id: str | None = None) -> Connection:
        """Route like DingTalk: a random (or the newest, in "last" mode) live connection subscribed to `topic`."""
        if connection_id is not None:
            for conn in self.state.connections:
                if conn.id == connection_id and not conn.closed:
                    return conn
            raise NoConnectionError(f"connection {connection_id!r} is not open")
        live = [c for c in self.state.connections if c.live and c.subscribed(frame_type, topic)]
        if not live:
            raise NoConnectionError(f"no live connection subscribed to {frame_type} {topic!r}")
        return live[-1] if self.state.config.routing == "last" else self._rng.choice(live)

    async def _deliver(self, conn: Connection, frame: dict[str, Any], *, redelivery: bool) -> None:
        record = {"connectionId": conn.id, "frame": frame, "redelivery": redelivery}
        if conn.stalled or conn.ws is None or conn.ws.closed:
            # A zombie socket (or one closing under us) swallows the push; the gateway cannot tell.
            self.state.record(self.state.frames_lost, record)
            return
        await conn.ws.send_str(json.dumps(frame, ensure_ascii=False))
        self.state.record(self.state.frames_sent, record)

    async def push(
        self,
        frame_type: FrameType,
        topic: str,
        data: dict[str, Any],
        *,
        message_id: str | None = None,
        connection_id: str | None = None,
        extra_headers: dict[str, str] | None = None,
        wait_ack: bool = True,
        timeout: float = 10.0,
        redeliver: bool = True,
    ) -> dict[str, Any]:
        """Push one frame and optionally wait for its ACK.

        Returns `{messageId, frame, ack, data, ackData}`: `data` is the payload sent, `ack` the client's
        ACK frame (None when not waited for) and `ackData` its `data` string parsed.
        """
        conn = self.pick_connection(frame_type, topic, connection_id)
        mid = message_id or new_stream_message_id(self.state.now_ms())
        frame = build_frame(frame_type, topic, data, app_id=self.state.config.app_id, connection_id=conn.id,
                            message_id=mid, now_ms=self.state.now_ms(), extra_headers=extra_headers)
        pending = PendingPush(frame_type, topic, frame, asyncio.get_running_loop().create_future(), [mid])
        self._pending[mid] = pending
        await self._deliver(conn, frame, redelivery=False)
        if redeliver and self.state.config.redeliver_after is not None:
            pending.redelivery = asyncio.create_task(self._redeliver(pending))
        ack = None
        if wait_ack:
            try:
                ack = await asyncio.wait_for(asyncio.shield(pending.future), timeout)
            except TimeoutError:
                raise AckTimeoutError(
                    f"no ACK for {frame_type} {topic!r} messageId={mid} within {timeout}s "
                    f"(drop_acks={self.state.config.drop_acks}, deliveries={pending.deliveries})"
                ) from None
        return {"messageId": mid, "frame": frame, "ack": ack, "data": data, "ackData": _parse_ack_data(ack)}

    async def _redeliver(self, pending: PendingPush) -> None:
        cfg = self.state.config
        for _ in range(cfg.max_redeliveries):
            await asyncio.sleep(cfg.redeliver_after or 0)
            if pending.future.done():
                return
            try:
                conn = self.pick_connection(pending.frame_type, pending.topic)
            except NoConnectionError:
                continue  # nobody to push to this round; the next round may find a reconnected client
            mid = pending.message_ids[0]
            if cfg.redeliver_with_new_message_id:
                mid = new_stream_message_id(self.state.now_ms())
                pending.message_ids.append(mid)
                self._pending[mid] = pending
            headers = {**pending.frame["headers"], "connectionId": conn.id, "messageId": mid,
                       "time": str(self.state.now_ms())}
            pending.deliveries += 1
            # Same `data` string, so the chatbot `msgId` inside it is identical: what dedupe keys on.
            await self._deliver(conn, {**pending.frame, "headers": headers}, redelivery=True)

    async def send_disconnect(self, reason: str, connection_id: str | None) -> dict[str, Any]:
        """SYSTEM disconnect (no messageId), mark the connection draining, close it after the grace."""
        conn = self._pick_open(connection_id)
        frame = build_frame("SYSTEM", DISCONNECT_TOPIC, {"reason": reason}, app_id=self.state.config.app_id,
                            connection_id=conn.id, message_id=None, now_ms=self.state.now_ms())
        conn.draining = True
        await self._deliver(conn, frame, redelivery=False)
        asyncio.get_running_loop().call_later(
            self.state.config.disconnect_grace, lambda: asyncio.ensure_future(self._close(conn, 1000, "grace over"))
        )
        self.state.notify()
        return {"messageId": None, "frame": frame, "connectionId": conn.id}

    async def kill_connection(self, code: int, connection_id: str | None) -> str:
        """Close a connection abruptly with `code` (1011 makes the SDK see ConnectionClosedError)."""
        conn = self._pick_open(connection_id)
        await self._close(conn, code, "killed by emulator")
        return conn.id

    def stall(self, connection_id: str | None) -> list[str]:
        """Zombie mode: keep the socket(s) open but lose every push and skip SYSTEM pings on them."""
        targets = [c for c in self.state.connections if not c.closed and connection_id in (None, c.id)]
        if not targets:
            raise NoConnectionError(f"no open connection to stall (connection_id={connection_id!r})")
        for conn in targets:
            conn.stalled = True
        self.state.notify()
        return [c.id for c in targets]

    def _pick_open(self, connection_id: str | None) -> Connection:
        if connection_id is not None:
            return self.pick_connection("SYSTEM", "", connection_id)
        open_conns = [c for c in self.state.connections if not c.closed and not c.draining]
        if not open_conns:
            raise NoConnectionError("no open connection")
        return open_conns[-1]

    async def _close(self, conn: Connection, code: int, message: str) -> None:
        if conn.ws is not None and not conn.ws.closed:
            conn.close_code = code
            await conn.ws.close(code=code, message=message.encode("utf-8"))

    async def close_all(self) -> None:
        """Close every open websocket (emulator shutdown) and abandon pending pushes."""
        for pending in list(self._pending.values()):
            if pending.redelivery:
                pending.redelivery.cancel()
        self._pending.clear()
        await asyncio.gather(*(self._close(c, 1001, "emulator stopping") for c in self.state.connections))
