"""Everything that touches the `dingtalk_stream` SDK's module state, in one place.

- `point_sdk_at(endpoint)`: the SDK copies `DINGTALK_OPENAPI_ENDPOINT` into five names when it is imported,
  so setting the environment variable later has no effect; we assign the five names from our
  settings before creating a client, so the configured endpoint always wins.
- `build_stream_client(...)`: a `DingTalkStreamClient` whose frames are observed (for the watchdog) and whose
  logger drops the WARNING it writes for every SYSTEM ping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

# websockets >= 15 loads `websockets.exceptions` lazily; the SDK's `except` clause in `start()` names it,
# and raises AttributeError out of `start()` when nothing loaded it before. Import it before the SDK runs.
import websockets.exceptions  # noqa: F401  (imported for its side effect)

OPEN_CONNECTION_PATH = "/v1.0/gateway/connections/open"
SDK_LOGGER_NAME = "crmbot.dingtalk.sdk"


def point_sdk_at(endpoint: str) -> None:
    """Make every SDK call that builds an OpenAPI URL use `endpoint` (e.g. ``https://api.dingtalk.com``)."""
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"DingTalk OpenAPI endpoint must start with http:// or https://, got {endpoint!r}")
    import dingtalk_stream.card_replier
    import dingtalk_stream.chatbot
    import dingtalk_stream.stream
    import dingtalk_stream.utils

    base = endpoint.rstrip("/")
    for module in (dingtalk_stream.utils, dingtalk_stream.stream, dingtalk_stream.chatbot,
                   dingtalk_stream.card_replier):
        module.DINGTALK_OPENAPI_ENDPOINT = base
    dingtalk_stream.stream.DingTalkStreamClient.OPEN_CONNECTION_API = base + OPEN_CONNECTION_PATH


class PingNoiseFilter(logging.Filter):
    """Drops the SDK's `unknown message topic, topic=ping` WARNING, logged once per SYSTEM ping."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        is_ping_notice = isinstance(record.msg, str) and record.msg.startswith("unknown message topic")
        return not (is_ping_notice and args[:1] == ("ping",))


def sdk_logger() -> logging.Logger:
    """The logger handed to the SDK: ours (so our handlers and levels apply), minus the ping noise."""
    logger = logging.getLogger(SDK_LOGGER_NAME)
    if not any(isinstance(f, PingNoiseFilter) for f in logger.filters):
        logger.addFilter(PingNoiseFilter())
    return logger


def build_stream_client(
    client_id: str,
    client_secret: str,
    *,
    on_frame: Callable[[], None],
) -> Any:
    """A `DingTalkStreamClient` that calls `on_frame()` for every frame the gateway pushes (pings included).

    The SDK is imported here, after `point_sdk_at` ran, so that its class attributes come from our settings.
    """
    import dingtalk_stream

    class ObservedStreamClient(dingtalk_stream.DingTalkStreamClient):
        """The SDK client, telling the watchdog that the connection is alive whenever a frame arrives."""

        async def route_message(self, json_message: Any) -> Any:
            on_frame()
            return await super().route_message(json_message)

    credential = dingtalk_stream.Credential(client_id, client_secret)
    return ObservedStreamClient(credential, logger=sdk_logger())


def sdk_supports_frame_observation() -> bool:
    """Whether the installed SDK routes frames through `route_message` (true for 0.24.3 and 0.24.4b1).

    The watchdog relies on it; without it every connection would look silent, so the runner turns the
    watchdog off instead of cycling healthy connections.
    """
    import dingtalk_stream

    return callable(getattr(dingtalk_stream.DingTalkStreamClient, "route_message", None))
