"""Background work after Slack has been answered: a thread pool whose failures reach the error hook.

Slack needs an HTTP answer within 3 s, so listeners acknowledge at once and hand the real work (running
the command, calling the Web API) to a `Jobs` pool. Keeping that work off Bolt's own listener executor
means a burst of slow commands can never starve the acknowledgements (slack.md gotcha G6).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.errors import report_error


class Jobs:
    """A named thread pool that reports every exception with `report_error` and can be drained."""

    def __init__(self, name: str, workers: int) -> None:
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, work: Callable[..., Any], *args: Any, context: Mapping[str, Any] | None = None) -> Future[None]:
        """Run ``work(*args)`` in the pool; an exception is reported (with ``context``), never lost."""
        with self._idle:
            self._pending += 1

        def run() -> None:
            try:
                work(*args)
            except Exception as exc:
                report_error(exc, {"job": self.name, **(context or {})})
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        return self._pool.submit(run)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no job is queued or running; False when ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        """Finish queued jobs and stop the threads."""
        self._pool.shutdown(wait=True, cancel_futures=False)


class Deadline:
    """Run work in a `Jobs` pool and wait for it a little; if it is late, hand its result on later.

    Used where Slack's answer depends on the outcome (a modal submission shows errors inline) but must
    still come within 3 seconds: after ``timeout`` the caller answers without the outcome, and
    ``on_late(result)`` runs in the worker when the work finally finishes.
    """

    def __init__(self, jobs: Jobs, timeout: float) -> None:
        self.jobs = jobs
        self.timeout = timeout

    def run(self, work: Callable[[], Any], on_late: Callable[[Any], None]) -> tuple[bool, Any]:
        """``(True, result)`` when ``work`` finished in time, else ``(False, None)``."""
        finished = threading.Event()
        lock = threading.Lock()
        state: dict[str, Any] = {"abandoned": False, "result": None}

        def job() -> None:
            result = work()
            with lock:
                state["result"] = result
                late = state["abandoned"]
                finished.set()
            if late:
                on_late(result)

        self.jobs.submit(job)
        finished.wait(self.timeout)
        with lock:
            if finished.is_set():
                return True, state["result"]
            state["abandoned"] = True
            return False, None
