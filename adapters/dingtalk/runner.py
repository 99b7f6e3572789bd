"""Runs the SDK's stream client on its own thread and event loop, keeps it alive, and stops it on time.

Why a thread of its own: the SDK makes blocking `requests` calls without timeouts inside
its event loop; isolated here they can only stall the stream, never the scheduler or other platforms.

What this adds around `client.start()`:
- a supervisor: the SDK reconnects by itself after a closed socket, but anything escaping `start()` (a lazily
  imported exception, or a bug) would end the stream for good; the supervisor restarts it with exponential backoff and jitter;
- a watchdog: a socket that stays open but receives nothing (no message, not even a SYSTEM ping) for
  `silence_timeout` seconds is closed, so the SDK opens a fresh connection;
- `stop()` that returns within `stop_deadline` seconds on 0.24.3, whose first `task.cancel()` is swallowed,
  and on 0.24.4b1+, which has `await client.stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.protocol import State

log = logging.getLogger("crmbot.dingtalk.stream")

ClientFactory = Callable[[Callable[[], None]], Any]


@dataclass(frozen=True)
class StreamOptions:
    """Timing of the stream runner. Defaults suit production; tests shorten them."""

    # Close a connection that received no frame at all for this long. How often the real gateway pings is
    # not documented; 5 minutes is a starting point, to calibrate from logs.
    silence_timeout: float = 300.0
    watchdog_interval: float = 5.0
    restart_backoff_initial: float = 1.0
    restart_backoff_max: float = 60.0
    # A client that ran this long before failing was healthy; its next failure starts the backoff afresh.
    restart_backoff_reset_after: float = 60.0
    stop_deadline: float = 2.0
    watchdog: bool = True


class _QuietWhileStopping(logging.Filter):
    """Drops the SDK's `[start] network exception` ERROR that our own cancel causes during `stop()`."""

    def __init__(self, stopping: threading.Event) -> None:
        super().__init__()
        self._stopping = stopping

    def filter(self, record: logging.LogRecord) -> bool:
        return not (self._stopping.is_set() and str(record.msg).startswith("[start] network exception"))


class StreamRunner:
    """Owns the stream thread. Build it with a factory `(on_frame) -> DingTalkStreamClient`, then `start()`."""

    def __init__(
        self,
        client_factory: ClientFactory,
        options: StreamOptions | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options or StreamOptions()
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self.client = client_factory(self.note_frame)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="dingtalk-stream", daemon=True)
        self._main: asyncio.Task[None] | None = None
        self._loop_ready = threading.Event()
        self._stopping = threading.Event()
        self._last_frame_at = monotonic()
        self._watched_socket: Any = None
        self._background: set[asyncio.Task[Any]] = set()
        self.restarts = 0
        self.watchdog_closures = 0
        self._quiet = _QuietWhileStopping(self._stopping)

    # ---- public ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the stream thread and return once its event loop runs."""
        if self._thread.is_alive() or self._stopping.is_set():
            raise RuntimeError("a StreamRunner starts once")
        sdk_logger = getattr(self.client, "logger", None)
        if isinstance(sdk_logger, logging.Logger):
            sdk_logger.addFilter(self._quiet)
        self._thread.start()
        if not self._loop_ready.wait(5):
            raise RuntimeError("DingTalk stream thread did not start")

    def stop(self) -> float:
        """Stop the client and join the thread; returns the seconds it took (normally well under 2 s).

        0.24.4b1+ gets `client.stop()`; every version gets cancelled repeatedly, because 0.24.3 swallows the
        first cancel and sleeps 10 s before the next one can end it.
        """
        started = time.monotonic()
        self._stopping.set()
        if not self._thread.is_alive():
            return 0.0
        sdk_stop = getattr(self.client, "stop", None)
        if sdk_stop is not None and asyncio.iscoroutinefunction(sdk_stop):
            with contextlib.suppress(RuntimeError):  # the loop may be closing already
                asyncio.run_coroutine_threadsafe(sdk_stop(), self.loop)
        deadline = started + self.options.stop_deadline
        while self._thread.is_alive() and time.monotonic() < deadline:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._cancel_main)
            self._thread.join(0.05)
        elapsed = time.monotonic() - started
        if self._thread.is_alive():
            # A daemon thread: it cannot keep the process alive, so shutting down still completes.
            log.error("DingTalk stream did not stop within %.1fs; abandoning its thread", self.options.stop_deadline)
        else:
            log.info("DingTalk stream stopped in %.2fs", elapsed)
        return elapsed

    @property
    def running(self) -> bool:
        """Whether the stream thread is alive."""
        return self._thread.is_alive()

    def note_frame(self) -> None:
        """Record that the gateway pushed a frame (called by the client on the stream loop)."""
        self._last_frame_at = self._monotonic()

    # ---- the stream thread -----------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._main = self.loop.create_task(self._supervise(), name="dingtalk-stream-supervisor")
        self.loop.call_soon(self._loop_ready.set)
        try:
            self.loop.run_until_complete(self._main)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("DingTalk stream supervisor failed")
        finally:
            # The SDK leaves keepalive and per-frame tasks behind; end them so the loop closes cleanly.
            leftovers = asyncio.all_tasks(self.loop)
            for task in leftovers:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            self.loop.close()
            sdk_logger = getattr(self.client, "logger", None)
            if isinstance(sdk_logger, logging.Logger):
                sdk_logger.removeFilter(self._quiet)

    def _cancel_main(self) -> None:
        if self._main is not None and not self._main.done():
            self._main.cancel()

    async def _supervise(self) -> None:
        if self.options.watchdog:
            self._spawn(self._watch(), "dingtalk-stream-watchdog")
        backoff = self.options.restart_backoff_initial
        while not self._stopping.is_set():
            began = self._monotonic()
            try:
                await self.client.start()
                if self._stopping.is_set():
                    return
                log.warning("DingTalk stream client returned without being stopped; restarting it")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("DingTalk stream client failed; restarting it")
            if self._monotonic() - began >= self.options.restart_backoff_reset_after:
                backoff = self.options.restart_backoff_initial
            delay = backoff * self._rng.uniform(0.5, 1.0)
            backoff = min(backoff * 2, self.options.restart_backoff_max)
            self.restarts += 1
            await asyncio.sleep(delay)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.options.watchdog_interval)
            socket = getattr(self.client, "websocket", None)
            if socket is None or not _is_open(socket):
                continue
            if socket is not self._watched_socket:
                # A new connection: its silence is counted from now, not from the previous one's last frame.
                self._watched_socket = socket
                self._last_frame_at = self._monotonic()
                continue
            silent_for = self._monotonic() - self._last_frame_at
            if silent_for >= self.options.silence_timeout:
                log.warning("DingTalk stream silent for %.0fs; closing the connection so the SDK reconnects",
                            silent_for)
                self.watchdog_closures += 1
                self._last_frame_at = self._monotonic()
                self._spawn(socket.close(), "dingtalk-stream-watchdog-close")

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _is_open(socket: Any) -> bool:
    state = getattr(socket, "state", None)
    return state is State.OPEN if state is not None else bool(getattr(socket, "open", False))
