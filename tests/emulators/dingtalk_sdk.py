"""Wiring the real `dingtalk_stream` SDK to the emulator (test infrastructure only).

- `sdk_endpoint_patches` / `point_sdk_at`: redirect an already imported SDK to the emulator.
- `StreamRunner` / `run_sdk_client`: run a `DingTalkStreamClient` in its own thread and loop, as production
  does, and stop it within 2 s even on 0.24.3, whose first `task.cancel()` is swallowed.
  The production adapter has its own runner; this one exists so emulator tests need no adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

# websockets >= 15 loads this submodule lazily; the SDK's `except` clause needs it loaded.
import websockets.exceptions  # noqa: F401

OPEN_CONNECTION_PATH = "/v1.0/gateway/connections/open"
STOP_DEADLINE_S = 2.0


def sdk_endpoint_patches(base_url: str) -> list[tuple[object, str, str]]:
    """The five `(object, attribute, value)` assignments that point an imported SDK at `base_url`.

    The SDK copies `DINGTALK_OPENAPI_ENDPOINT` into several modules at import time, so setting the
    environment variable afterwards has no effect; fixtures apply these with `monkeypatch.setattr`.
    """
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
    # Imported here, not at module top, so importing the emulator never imports the SDK before a
    # conftest had the chance to set DINGTALK_OPENAPI_ENDPOINT.
    import dingtalk_stream.card_replier
    import dingtalk_stream.chatbot
    import dingtalk_stream.stream
    import dingtalk_stream.utils

    base = base_url.rstrip("/")
    modules = (dingtalk_stream.utils, dingtalk_stream.stream, dingtalk_stream.chatbot, dingtalk_stream.card_replier)
    patches: list[tuple[object, str, str]] = [(m, "DINGTALK_OPENAPI_ENDPOINT", base) for m in modules]
    patches.append((dingtalk_stream.stream.DingTalkStreamClient, "OPEN_CONNECTION_API", base + OPEN_CONNECTION_PATH))
    return patches


def point_sdk_at(base_url: str) -> dict[tuple[object, str], str]:
    """Patch the imported `dingtalk_stream` SDK to use `base_url`; returns the previous values."""
    previous: dict[tuple[object, str], str] = {}
    for target, name, value in sdk_endpoint_patches(base_url):
        previous[(target, name)] = getattr(target, name)
        setattr(target, name, value)
    return previous


class StreamRunner:
    """Runs `client.start()` on a private event loop in a daemon thread."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="dingtalk-stream-test-client", daemon=True)
        self._task: asyncio.Task[Any] | None = None
        self._task_ready = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._task = self.loop.create_task(self.client.start())
        self._task_ready.set()
        with contextlib.suppress(BaseException):
            self.loop.run_until_complete(self._task)
        # 0.24.3 leaks keepalive and per-frame tasks; finish them so the loop closes cleanly.
        leftovers = asyncio.all_tasks(self.loop)
        for task in leftovers:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        self.loop.close()

    def start(self) -> StreamRunner:
        """Start the client thread; returns self."""
        self.thread.start()
        self._task_ready.wait(5)
        return self

    def stop(self, deadline: float = STOP_DEADLINE_S) -> float:
        """Stop the client; returns the seconds it took. Raises RuntimeError past `deadline`.

        0.24.3 swallows the first cancel and sleeps 10 s, so cancel repeatedly until the task
        ends; 0.24.4b1+ also gets `client.stop()`.
        """
        started = time.monotonic()
        if not self.thread.is_alive():
            return 0.0
        stop = getattr(self.client, "stop", None)
        if stop is not None and asyncio.iscoroutinefunction(stop) and not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(stop(), self.loop)
        while self.thread.is_alive() and time.monotonic() - started < deadline:
            if self._task is not None and not self.loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop may close between check and call
                    self.loop.call_soon_threadsafe(self._task.cancel)
            self.thread.join(0.05)
        elapsed = time.monotonic() - started
        if self.thread.is_alive():
            raise RuntimeError(f"SDK client did not stop within {deadline}s")
        return elapsed


@contextlib.contextmanager
def run_sdk_client(client: Any) -> Iterator[StreamRunner]:
    """Run a `DingTalkStreamClient` for the duration of a `with` block, then stop it (within 2 s)."""
    runner = StreamRunner(client).start()
    try:
        yield runner
    finally:
        runner.stop()
