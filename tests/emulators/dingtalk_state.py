"""Configuration, records and shared state of the DingTalk gateway emulator.

The route modules (`dingtalk_gateway`, `dingtalk_openapi`, `dingtalk_cards`, `dingtalk_webhooks`) all
mutate one `EmulatorState` on the emulator's event loop; the test thread only reads it and waits on
`EmulatorState.changed`, which every recording call notifies.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from tests.emulators.dingtalk_payloads import RobotIdentity

Clock = Callable[[], float]


@dataclass
class EmulatorConfig:
    """Every tunable of the emulator. Real-world values are the defaults; fixtures shorten the timers."""

    client_id: str = "dingemuappkey0001"
    client_secret: str = "emu-client-secret"
    app_id: str = "emu-app-0001"
    corp_id: str = "dingemucorp0001"
    robot_name: str = "CRM助手"
    ticket_ttl: float = 90.0
    session_webhook_ttl: float = 5400.0
    token_ttl: int = 7200
    disconnect_grace: float = 10.0
    # Redelivery of unACKed pushes (real gateway: about 60 s). None switches it off.
    redeliver_after: float | None = None
    max_redeliveries: int = 1
    redeliver_with_new_message_id: bool = False
    # Pretend every ACK from the client was lost (frames are still recorded in frames_received).
    drop_acks: bool = False
    ping_interval: float | None = None
    routing: Literal["random", "last"] = "random"
    seed: int | None = None
    custom_robot_limit: int = 20
    # Robot messages into one group (session-webhook answers and OpenAPI group sends alike) per window.
    group_message_limit: int = 20
    group_message_window: float = 60.0
    custom_robot_window: float = 60.0
    custom_robot_throttle_code: int = 130101
    custom_robot_throttle_message: str = "send too fast"
    # How long a robot that went over the limit stays throttled (the real service: 10 min); 0 = only the window.
    custom_robot_penalty: float = 0.0

    def __post_init__(self) -> None:
        if self.routing not in ("random", "last"):
            raise ValueError(f'routing must be "random" or "last", not {self.routing!r}')

    @property
    def robot(self) -> RobotIdentity:
        """The robot identity pushed payloads carry (`robotCode` = AppKey for internal apps)."""
        return RobotIdentity(
            robot_code=self.client_id, corp_id=self.corp_id, robot_name=self.robot_name, app_id=self.app_id
        )


@dataclass
class Ticket:
    """A connection ticket from `/v1.0/gateway/connections/open`: single use, short lived."""

    ticket: str
    connection_id: str
    expires_at: float
    subscriptions: list[dict[str, str]]
    ua: str
    local_ip: str
    used: bool = False


@dataclass
class Connection:
    """One websocket from the SDK. `draining` after a SYSTEM disconnect, `stalled` in zombie mode."""

    id: str
    subscriptions: list[dict[str, str]]
    opened_at: float
    ticket: str
    ws: web.WebSocketResponse | None = field(default=None, repr=False)
    closed: bool = False
    closed_at: float | None = None
    # The code of whichever side closed first: ours from kill/grace/shutdown, else the client's.
    close_code: int | None = None
    draining: bool = False
    stalled: bool = False

    @property
    def live(self) -> bool:
        """Open and still eligible for pushes (a stalled socket looks live to the gateway)."""
        return not self.closed and not self.draining

    def subscribed(self, frame_type: str, topic: str) -> bool:
        """Whether the SDK subscribed this connection to pushes of `frame_type` on `topic`."""
        if frame_type == "SYSTEM":
            return True
        wanted = "*" if frame_type == "EVENT" else topic
        return any(s.get("type") == frame_type and s.get("topic") == wanted for s in self.subscriptions)


@dataclass
class Session:
    """A registered sessionWebhook: where replies to one incoming message may go, until it expires."""

    session: str
    conversation_id: str
    conversation_type: str
    sender_staff_id: str
    msg_id: str
    expires_at: float


@dataclass
class Card:
    """A card instance created through the card APIs (or a StandardCard sent via interactiveCards)."""

    out_track_id: str
    template_id: str
    data: dict[str, str]
    callback_type: str | None = None
    open_space_ids: list[str] = field(default_factory=list)
    private_data: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CustomRobot:
    """A legacy group custom robot (`/robot/send`) and its recent send times for the 20/min window."""

    access_token: str
    secret: str | None
    sent_at: deque[float] = field(default_factory=deque)
    throttled_until: float = 0.0


@dataclass
class InjectedFailure:
    """A one-shot error answer for the next request to `path`."""

    status: int
    body: Any


@dataclass
class PendingPush:
    """A pushed frame that wants an ACK; redeliveries share it (and its future)."""

    frame_type: str
    topic: str
    frame: dict[str, Any]
    future: asyncio.Future[dict[str, Any]]
    message_ids: list[str]
    deliveries: int = 1
    redelivery: asyncio.Task[None] | None = None


def error_response(status: int, code: str, message: str) -> web.Response:
    """The OpenAPI error body `{"requestid","code","message"}` with its HTTP status."""
    body = {"requestid": uuid.uuid4().hex.upper(), "code": code, "message": message}
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def json_response(body: Any, status: int = 200) -> web.Response:
    """A JSON answer that keeps Chinese text readable in recordings."""
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


class EmulatorState:
    """All registries and recorded lists, plus the clock they are judged against."""

    def __init__(self, config: EmulatorConfig, clock: Clock = time.time) -> None:
        self.config = config
        self._clock = clock
        self._clock_offset = 0.0
        self.changed = threading.Condition()
        self.base_url = ""
        # registries (kept by reset())
        self.tickets: dict[str, Ticket] = {}
        self.tokens: dict[str, float] = {}
        self.sessions: dict[str, Session] = {}
        self.groups: dict[str, str] = {}
        self.files: dict[str, bytes] = {}
        self.custom_robots: dict[str, CustomRobot] = {}
        self.invalid_users: set[str] = set()
        self.flow_controlled_users: set[str] = set()
        self.connections: list[Connection] = []
        self.failures: dict[str, deque[InjectedFailure]] = {}
        self._clear_records()

    def _clear_records(self) -> None:
        self.open_requests: list[dict[str, Any]] = []
        self.frames_sent: list[dict[str, Any]] = []
        self.frames_received: list[dict[str, Any]] = []
        self.frames_lost: list[dict[str, Any]] = []
        self.session_replies: list[dict[str, Any]] = []
        self.api_calls: list[dict[str, Any]] = []
        self.robot_messages: list[dict[str, Any]] = []
        self.custom_robot_messages: list[dict[str, Any]] = []
        self.cards: dict[str, Card] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.group_sent: dict[str, deque[float]] = {}
        self.group_throttled: list[str] = []  # the groups of every send refused as too fast

    def take_group_slot(self, conversation_id: str) -> bool:
        """Count one robot message into a group; False (recorded in `group_throttled`) when over the limit."""
        cfg, now = self.config, self.now()
        sent = self.group_sent.setdefault(conversation_id, deque())
        while sent and sent[0] <= now - cfg.group_message_window:
            sent.popleft()
        if len(sent) >= cfg.group_message_limit:
            self.group_throttled.append(conversation_id)
            return False
        sent.append(now)
        return True

    def reset_records(self) -> None:
        """Forget what was recorded and any pending injected failures; keep registries and knobs."""
        with self.changed:
            self._clear_records()
            self.failures.clear()
            self.changed.notify_all()

    def now(self) -> float:
        """Emulator time in seconds: the injected clock plus whatever `advance_clock` added."""
        return self._clock() + self._clock_offset

    def now_ms(self) -> int:
        """Emulator time in epoch milliseconds, as DingTalk timestamps are."""
        return int(self.now() * 1000)

    def advance_clock(self, seconds: float) -> None:
        """Move emulator time forward so expiry rules can be tested without waiting."""
        self._clock_offset += seconds

    def record(self, target: list[Any], item: Any) -> None:
        """Append to a recorded list and wake anyone waiting for it."""
        with self.changed:
            target.append(item)
            self.changed.notify_all()

    def notify(self) -> None:
        """Wake waiters after a state change that is not a list append."""
        with self.changed:
            self.changed.notify_all()

    def take_failure(self, path: str) -> InjectedFailure | None:
        """Pop the next injected failure for `path`, if any."""
        queue = self.failures.get(path)
        return queue.popleft() if queue else None

    def token_is_valid(self, token: str | None) -> bool:
        """Known and not yet expired."""
        return token is not None and self.tokens.get(token, 0.0) > self.now()
