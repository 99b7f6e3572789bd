"""Our HTTP client for DingTalk: the OpenAPI with its access token, and session webhooks.

The SDK's helpers post without timeouts and log-and-return-None on failure; this client has
timeouts, checks the HTTP status *and* the body's `errcode`, and raises `DingTalkApiError`, classified so
callers can tell "retry later" from "will never work".
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import requests

log = logging.getLogger("crmbot.dingtalk.openapi")

TOKEN_PATH = "/v1.0/oauth2/accessToken"
TOKEN_HEADER = "x-acs-dingtalk-access-token"
DEFAULT_RETRY_AFTER = 60.0
# Community-reported throttle codes: send.too.fast, too.many.group, send.byToken.tooFast, …
_THROTTLE_CODE = re.compile(r"too\.?fast|flow|too\.?many|throttl|qpslimit", re.IGNORECASE)
_THROTTLE_MESSAGE = re.compile(r"too\s*fast|too\s*many\s*requests|flow\s*control", re.IGNORECASE)


class Failure(Enum):
    """Why a DingTalk call failed, as far as a caller's next step is concerned."""

    AUTH = "auth"  # bad credentials, or a token that a refresh did not fix
    PERMISSION = "permission"  # 403: the app lacks a permission (Robot.Message.Send …)
    THROTTLED = "throttled"  # 429 or a flow-control code: retry later
    INVALID = "invalid"  # the request will never succeed as is (unknown group, bad parameter)
    UNAVAILABLE = "unavailable"  # network trouble or a 5xx: retry later


class DingTalkApiError(Exception):
    """A failed DingTalk call: its `failure` class, HTTP `status`, DingTalk `code` and `message`."""

    def __init__(
        self,
        failure: Failure,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        retry_after: float | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(f"{failure.value}: {message}" + (f" (HTTP {status}, {code})" if status else ""))
        self.failure = failure
        self.status = status
        self.code = code
        self.retry_after = retry_after
        # A read timeout means the request may have arrived: resending could duplicate the message.
        self.maybe_delivered = maybe_delivered


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect and to wait for an answer (never block forever)."""

    connect: float = 5.0
    read: float = 15.0

    def as_tuple(self) -> tuple[float, float]:
        """The `(connect, read)` pair `requests` takes."""
        return (self.connect, self.read)


def classify(response: requests.Response) -> DingTalkApiError | None:
    """The error an HTTP answer stands for, or None when it is a success (2xx with no non-zero errcode)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code") or body.get("errcode") or "")
    message = str(body.get("message") or body.get("errmsg") or response.reason or "")
    status = response.status_code
    if 200 <= status < 300 and body.get("errcode") in (None, 0, "0"):
        return None
    if status == 429 or _THROTTLE_CODE.search(code) or _THROTTLE_MESSAGE.search(message):
        return DingTalkApiError(Failure.THROTTLED, message, status=status, code=code,
                                retry_after=_retry_after(response))
    if status == 401:
        return DingTalkApiError(Failure.AUTH, message, status=status, code=code)
    if status == 403:
        return DingTalkApiError(Failure.PERMISSION, message, status=status, code=code)
    if status >= 500:
        return DingTalkApiError(Failure.UNAVAILABLE, message, status=status, code=code, retry_after=30.0)
    return DingTalkApiError(Failure.INVALID, message, status=status, code=code)


def _retry_after(response: requests.Response) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        return max(1.0, float(header))
    except ValueError:
        return DEFAULT_RETRY_AFTER


def _transport_error(exc: requests.RequestException, what: str) -> DingTalkApiError:
    maybe_delivered = isinstance(exc, requests.ReadTimeout)
    return DingTalkApiError(Failure.UNAVAILABLE, f"{what}: {type(exc).__name__}: {exc}", retry_after=30.0,
                            maybe_delivered=maybe_delivered)


class AccessTokenCache:
    """The app's access token, fetched once and reused until shortly before it expires."""

    def __init__(
        self,
        *,
        endpoint: str,
        client_id: str,
        client_secret: str,
        http: Callable[[], requests.Session],
        timeouts: Timeouts,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_margin: float = 300.0,
    ) -> None:
        self._url = endpoint.rstrip("/") + TOKEN_PATH
        self._credentials = {"appKey": client_id, "appSecret": client_secret}
        self._http = http
        self._timeouts = timeouts
        self._monotonic = monotonic
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._token: str | None = None
        self._valid_until = 0.0
        self.fetches = 0

    def get(self) -> str:
        """A valid token; fetches a new one when none is cached or the cached one is about to expire."""
        with self._lock:
            if self._token is not None and self._monotonic() < self._valid_until:
                return self._token
            return self._fetch()

    def invalidate(self, token: str) -> None:
        """Forget `token` after a 401, unless another thread already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> str:
        try:
            response = self._http().post(self._url, json=self._credentials, timeout=self._timeouts.as_tuple())
        except requests.RequestException as exc:
            raise _transport_error(exc, "access token request failed") from exc
        error = classify(response)
        if error is not None:
            if error.failure is Failure.INVALID:  # 400 invalidClientIdOrSecret
                error.failure = Failure.AUTH
            raise error
        body = response.json()
        token, expires_in = body.get("accessToken"), body.get("expireIn")
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise DingTalkApiError(Failure.UNAVAILABLE, f"malformed access token answer: {sorted(body)}")
        self.fetches += 1
        self._token = token
        self._valid_until = self._monotonic() + max(0.0, float(expires_in) - self._margin)
        log.info("DingTalk access token refreshed (valid %ss)", expires_in)
        return token


class DingTalkHttp:
    """Calls to the OpenAPI (with token, refreshed once on 401) and to session webhooks (no token)."""

    def __init__(
        self,
        *,
        endpoint: str,
        client_id: str,
        client_secret: str,
        timeouts: Timeouts | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeouts = timeouts or Timeouts()
        # One `requests.Session` per thread: sessions are not documented as thread-safe, and replies run on
        # several workers while the scheduler pushes from its own thread.
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self.tokens = AccessTokenCache(endpoint=self.endpoint, client_id=client_id, client_secret=client_secret,
                                       http=self._session, timeouts=self.timeouts, monotonic=monotonic)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Call an OpenAPI `path` with JSON `body`; returns the JSON answer or raises `DingTalkApiError`."""
        for attempt in (1, 2):
            token = self.tokens.get()
            try:
                response = self._session().request(method, self.endpoint + path, json=body,
                                                headers={TOKEN_HEADER: token}, timeout=self.timeouts.as_tuple())
            except requests.RequestException as exc:
                raise _transport_error(exc, f"{method} {path}") from exc
            error = classify(response)
            if error is None:
                return _json_object(response)
            if error.failure is Failure.AUTH and attempt == 1:
                log.info("DingTalk answered 401 to %s; refreshing the access token once", path)
                self.tokens.invalidate(token)
                continue
            raise error
        raise AssertionError("unreachable")

    def post_webhook(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        """Post to a session webhook (oapi style: HTTP 200 with `errcode` 0 on success)."""
        try:
            response = self._session().post(url, json=body, timeout=self.timeouts.as_tuple())
        except requests.RequestException as exc:
            raise _transport_error(exc, "session webhook") from exc
        error = classify(response)
        if error is not None:
            raise error
        return _json_object(response)

    def close(self) -> None:
        """Release the pooled connections of every thread."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
