"""`FakeSlack`: a local, stateful Slack Web API + response_url emulator for end-to-end tests.

Point the real ``slack_sdk.WebClient`` (and therefore slack-bolt) at it::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        ts = client.chat_postMessage(channel="C111", text="hi")["ts"]
        assert fake.message("C111", ts).text == "hi"

It listens on ``127.0.0.1:<random port>`` (parallel-safe, no internet), records every call
(`calls`, `wait_for`), keeps workspace state (messages, threads, reactions, scheduled messages, modal
stacks, Home tabs, response_url hooks), validates Block Kit the way Slack's servers do, and lets a test
inject failures (`fail_next`, `rate_limit_next`, `server_error_next`, `slow`).

Time comes from the injected ``clock`` (default `time.time`): message ts, scheduling limits, trigger
and hook expiry all read it, so tests move time instead of sleeping. Only `slow` really sleeps.

Per-area rules are documented in the modules that implement them: `slack_directory` (users, channels,
DMs), `slack_messages` (chat.*, reactions, history), `slack_scheduling`, `slack_views`, `slack_hooks`,
`slack_blocks` (Block Kit limits), `slack_recording` (call log, faults).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.emulators.slack_directory import DEFAULT_SCOPES, BotIdentity, Directory, dm_channel_id
from tests.emulators.slack_hooks import (
    RESPONSE_URL_LIFETIME_S,
    RESPONSE_URL_MAX_USES,
    HookPost,
    ResponseHooks,
)
from tests.emulators.slack_http import SlackHttpServer
from tests.emulators.slack_messages import EphemeralMessage, MessageStore
from tests.emulators.slack_model import (
    ApiCall,
    ApiError,
    Clock,
    MethodHandler,
    SlackChannel,
    SlackUser,
    StoredMessage,
)
from tests.emulators.slack_oauth import OAuthServer
from tests.emulators.slack_recording import CallLog, Fault, FaultPlan, RecordedCall
from tests.emulators.slack_scheduling import ScheduledMessage, ScheduledMessages
from tests.emulators.slack_views import StoredView, TriggerRegistry, ViewStore

DEFAULT_TOKEN = "xoxb-test"
RESPONSE_URL_METHOD = "response_url"
"""Pseudo method name under which response_url POSTs appear in `FakeSlack.calls` / `wait_for`."""


class FakeSlack:
    """Slack Web API emulator; use as a context manager or call `start` / `stop`."""

    def __init__(
        self,
        *,
        tokens: tuple[str, ...] = (DEFAULT_TOKEN,),
        clock: Clock = time.time,
        identity: BotIdentity | None = None,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        strict_channels: bool = False,
    ) -> None:
        """``tokens``: bearer tokens answered as the bot; ``strict_channels``: undeclared channels are
        ``channel_not_found`` instead of being auto-created with the bot as a member."""
        self._clock = clock
        self._lock = threading.RLock()
        self._tokens = set(tokens)
        self._log = CallLog()
        self._faults = FaultPlan()
        self.directory = Directory(
            clock, identity=identity or BotIdentity(), scopes=scopes, strict_channels=strict_channels
        )
        self.messages_store = MessageStore(self.directory, clock)
        self.scheduler = ScheduledMessages(self.directory, self.messages_store, clock)
        self.triggers = TriggerRegistry(clock)
        self.views_store = ViewStore(self.directory, self.triggers, clock)
        self.hooks = ResponseHooks(self.directory, self.messages_store, clock)
        self._handlers: dict[str, MethodHandler] = {
            **self.directory.methods(),
            **self.messages_store.methods(),
            **self.scheduler.methods(),
            **self.views_store.methods(),
        }
        self.oauth = OAuthServer(clock)
        self._server: SlackHttpServer | None = None

    # ----- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind ``127.0.0.1:0`` and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        self._server = SlackHttpServer(self)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def base_url(self) -> str:
        """Web API base for ``WebClient(base_url=...)``: ``http://127.0.0.1:<port>/api/``."""
        return f"{self.root_url}/api/"

    @property
    def identity(self) -> BotIdentity:
        """Team and bot ids (``T111``, ``UBOT``, ``BBOT`` by default)."""
        return self.directory.identity

    # ----- configuration --------------------------------------------------------------------------------

    def accept_token(self, token: str) -> None:
        """Answer ``token`` as the bot too (everything else is ``invalid_auth``)."""
        self._tokens.add(token)

    def add_user(
        self,
        user_id: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "UTC",
        locale: str = "en-US",
        is_bot: bool = False,
        email: str | None = None,
    ) -> SlackUser:
        """Declare a member for users.info / DMs; ``tz`` must be an IANA name (ValueError otherwise)."""
        with self._lock:
            return self.directory.add_user(
                user_id, real_name=real_name, display_name=display_name, tz=tz, locale=locale, is_bot=is_bot,
                email=email,
            )

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        bot_is_member: bool = True,
        members: tuple[str, ...] = (),
        is_private: bool | None = None,
    ) -> SlackChannel:
        """Declare a ``C…``/``G…`` channel; ``bot_is_member=False`` makes posting fail with ``not_in_channel``."""
        with self._lock:
            return self.directory.add_channel(
                channel_id, name=name, bot_is_member=bot_is_member, members=members, is_private=is_private
            )

    def add_user_message(
        self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> StoredMessage:
        """Seed a message a human posted (to thread under, react to, or fail to chat.update)."""
        with self._lock:
            self.directory.require_user(user_id)
            return self.messages_store.store(
                self.directory.resolve_channel(channel), user=user_id, text=text, thread_ts=thread_ts
            )

    def hooks_url(
        self,
        name: str | None = None,
        *,
        channel: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
        max_uses: int = RESPONSE_URL_MAX_USES,
        lifetime_s: float | None = RESPONSE_URL_LIFETIME_S,
    ) -> str:
        """Register a response_url and return ``http://127.0.0.1:<port>/hooks/<name or random id>``.

        ``channel``/``user_id``/``message_ts`` describe the interaction so posts take effect there;
        ``lifetime_s=None`` never expires. See `slack_hooks` for the answers it gives.
        """
        with self._lock:
            hook = self.hooks.create(
                name,
                channel=channel,
                user_id=user_id,
                message_ts=message_ts,
                max_uses=max_uses,
                lifetime_s=lifetime_s,
            )
        return f"{self.root_url}/hooks/{hook.id}"

    def issue_trigger_id(self, *, view_id: str | None = None) -> str:
        """A trigger id for an inbound payload, stamped with the clock (``view_id``: for views.push)."""
        with self._lock:
            return self.triggers.issue(view_id=view_id)

    def expire_triggers_after(self, seconds: float = 3.0) -> None:
        """Opt in to ``expired_trigger_id`` for issued triggers older than ``seconds``."""
        with self._lock:
            self.triggers.expire_after(seconds)

    def close_modal(self, view_id: str) -> None:
        """Simulate the user closing/submitting the modal that contains ``view_id``."""
        with self._lock:
            self.views_store.close_modal(view_id)

    def deliver_due_scheduled(self) -> list[StoredMessage]:
        """Post scheduled messages whose ``post_at`` has come by the clock (metadata ones are dropped)."""
        with self._lock:
            return self.scheduler.deliver_due()

    # ----- failure injection ----------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str = "channel_not_found",
        status: int = 200,
        times: int = 1,
        channel: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (optionally only for ``channel``) with ``ok: false``."""
        self._faults.add(Fault(method, "error", status, error, times, channel=channel))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer HTTP 429 + ``Retry-After`` + ``{"ok": false, "error": "ratelimited"}``."""
        self._faults.add(Fault(method, "rate_limit", 429, "ratelimited", times, retry_after=retry_after))

    def server_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """Answer HTTP ``status`` with ``{"ok": false, "error": "internal_error"}``."""
        self._faults.add(Fault(method, "server_error", status, "internal_error", times))

    def slow(self, method: str, seconds: float) -> None:
        """Wait ``seconds`` (real time) before answering every ``method`` call; 0 turns it off."""
        self._faults.set_delay(method, seconds)

    # ----- inspection -----------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded calls, oldest first (optionally one method; ``"response_url"`` for hook POSTs)."""
        return self._log.calls(method)

    def wait_for(self, method: str, n: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until ``n`` calls of ``method`` were answered (raises `SlackCallTimeout`).

        ``wait_for("response_url")`` waits for Bolt's ``respond()`` posts."""
        return self._log.wait_for(method, n, timeout)

    def reset(self) -> None:
        """Forget recorded calls, hook posts and queued faults; workspace state is kept."""
        self._log.clear()
        self._faults.clear()
        with self._lock:
            self.hooks.posts.clear()

    def warnings(self, method: str | None = None) -> list[tuple[str, str]]:
        """``(method, warning)`` pairs, e.g. ``("chat.postMessage", "missing_fallback_text")``."""
        return [(c.method, w) for c in self.calls(method) for w in c.warnings]

    def post_times(self, channel: str) -> list[float]:
        """Clock times of successful chat.postMessage calls to ``channel`` (pacing checks)."""
        channel_id = dm_channel_id(channel) if channel[:1] in {"U", "W"} else channel
        return [
            c.time for c in self.calls("chat.postMessage") if c.ok and c.response.get("channel") == channel_id
        ]

    def messages(self, channel: str) -> list[StoredMessage]:
        """Every message in a channel (replies included), oldest first."""
        with self._lock:
            return self.messages_store.in_channel(self.directory.resolve_channel(channel).id)

    def message(self, channel: str, ts: str) -> StoredMessage:
        """The message with ``ts`` (raises `LookupError` with the channel's ts list when missing)."""
        with self._lock:
            found = self.messages_store.find(self.directory.resolve_channel(channel).id, ts)
            if found is None:
                raise LookupError(
                    f"no message {ts} in {channel}; have {[m.ts for m in self.messages(channel)]}"
                )
            return found

    def thread(self, channel: str, ts: str) -> list[StoredMessage]:
        """The replies under parent ``ts``, oldest first."""
        return [m for m in self.messages(channel) if m.is_reply and m.thread_ts == ts]

    def ephemerals(self, channel: str | None = None, user_id: str | None = None) -> list[EphemeralMessage]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url posts)."""
        with self._lock:
            return [
                e
                for e in self.messages_store.ephemerals
                if channel in (None, e.channel) and user_id in (None, e.user)
            ]

    def unfurls(self) -> list[dict[str, Any]]:
        """Recorded chat.unfurl requests."""
        with self._lock:
            return list(self.messages_store.unfurls)

    def scheduled_messages(self, channel: str | None = None) -> list[ScheduledMessage]:
        """Pending scheduled messages, soonest first."""
        with self._lock:
            pending = sorted(self.scheduler.pending.values(), key=lambda m: m.post_at)
            return [m for m in pending if channel in (None, m.channel)]

    def view(self, view_id: str) -> StoredView:
        """A modal or Home view by id."""
        with self._lock:
            return self.views_store.views[view_id]

    def open_modals(self) -> list[list[str]]:
        """Open modal stacks (view ids, root first), oldest modal first."""
        with self._lock:
            return [list(stack) for stack in self.views_store.stacks]

    def home_view(self, user_id: str) -> StoredView | None:
        """The Home tab last published for ``user_id``."""
        with self._lock:
            view_id = self.views_store.home_by_user.get(user_id)
            return self.views_store.views[view_id] if view_id else None

    def hook_posts(self, hook: str | None = None) -> list[HookPost]:
        """Requests to response_url hooks (``hook``: id or full URL), oldest first."""
        hook_id = hook.rsplit("/", 1)[-1] if hook else None
        with self._lock:
            return [p for p in self.hooks.posts if hook_id in (None, p.hook_id)]

    # ----- serving (called from server threads via slack_http) -------------------------------------------

    def serve_api(
        self, method: str, http_verb: str, headers: dict[str, str], params: dict[str, Any] | ApiError
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer one Web API call: delay, injected fault, auth, method handler; then record it."""
        delay = self._faults.delay_for(method)
        if delay:
            time.sleep(delay)  # the point of slow(): make the client wait for real
        parse_error = params if isinstance(params, ApiError) else None
        call = ApiCall(method, {} if isinstance(params, ApiError) else dict(params))
        token = _bearer_token(headers)
        if token is None:
            token = call.text("token")
        status, extra = 200, {"X-OAuth-Scopes": ",".join(self.directory.scopes)}
        fault = self._faults.take(method, call.params)
        if fault is not None:
            status, body = fault.status, fault.body()
            if fault.retry_after is not None:
                extra["Retry-After"] = str(fault.retry_after)
        elif method == "oauth.v2.access" and parse_error is None:
            body = self._oauth_access(call, headers)
        else:
            body = self._answer(call, token, parse_error)
        self._log.record(
            RecordedCall(
                method=method,
                http_verb=http_verb,
                headers=dict(headers),
                params=call.params,
                token=token,
                time=self._clock(),
                status=status,
                response=body,
                warnings=tuple(call.warnings),
            )
        )
        return status, extra, body

    def _answer(self, call: ApiCall, token: str | None, parse_error: ApiError | None) -> dict[str, Any]:
        handler = self._handlers.get(call.method)
        try:
            if handler is None:
                raise ApiError("unknown_method", req_method=call.method)
            if parse_error is not None:
                raise parse_error
            if token is None:
                raise ApiError("not_authed")
            workspace = self.oauth.workspace_of(token)
            if token not in self._tokens and workspace is None:
                raise ApiError("token_revoked" if token in self.oauth.revoked else "invalid_auth")
            with self._lock:
                # A token issued by "Add to Slack" speaks for its own workspace.
                result = self.oauth.auth_test(workspace) if workspace and call.method == "auth.test" else handler(call)
            # A JSON round trip detaches the answer from live state, like a real response would be.
            return {"ok": True, **json.loads(json.dumps(result))}
        except ApiError as exc:
            return exc.body()

    def _oauth_access(self, call: ApiCall, headers: dict[str, str]) -> dict[str, Any]:
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        try:
            with self._lock:
                return {"ok": True, **self.oauth.access(call, authorization)}
        except ApiError as exc:
            return exc.body()

    def serve_hook(self, hook_id: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """Answer one response_url POST; it is also logged as a ``response_url`` call for `wait_for`."""
        with self._lock:
            status, result = self.hooks.handle(hook_id, body)
            post = self.hooks.posts[-1]
        params = post.body if isinstance(post.body, dict) else {"raw": post.body}
        answer = {"ok": True} if status == 200 else {"ok": False, "error": result}
        self._log.record(
            RecordedCall(
                method=RESPONSE_URL_METHOD,
                http_verb="POST",
                headers=dict(headers),
                params={"hook_id": hook_id, **params},
                token=None,
                time=post.time,
                status=status,
                response=answer,
                warnings=post.warnings,
            )
        )
        return status, result


def _bearer_token(headers: dict[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header ("" for an empty one, None if absent)."""
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
