"""Background work after Slack has been answered: thread pools whose failures reach the error hook.

Slack needs an HTTP answer within 3 s, so listeners acknowledge at once and hand the real work (running
the command, calling the Web API) to a `Jobs` pool. Keeping that work off Bolt's own listener executor
means a burst of slow commands can never starve the acknowledgements. Both pools
are `TrackedExecutor`s, so shutdown (and tests) can wait until everything queued has run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.errors import report_error


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that knows how many tasks are queued or running, and can wait for none."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """`ThreadPoolExecutor.submit`, counted until the task finishes."""
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    @property
    def busy(self) -> bool:
        """Whether any task is queued or running."""
        with self._idle:
            return self._pending > 0

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no task is queued or running; False when ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


class Jobs:
    """A named pool for work after the acknowledgement; every exception goes to `report_error`."""

    def __init__(self, name: str, workers: int) -> None:
        self.name = name
        self.executor = TrackedExecutor(workers, name)

    def submit(self, work: Callable[..., Any], *args: Any, context: Mapping[str, Any] | None = None) -> Future[None]:
        """Run ``work(*args)`` in the pool; an exception is reported (with ``context``), never lost."""

        def run() -> None:
            try:
                work(*args)
            except Exception as exc:
                report_error(exc, {"job": self.name, **(context or {})})

        return self.executor.submit(run)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no job is queued or running; False when ``timeout`` passed first."""
        return self.executor.drain(timeout)

    def shutdown(self) -> None:
        """Finish queued jobs and stop the threads."""
        self.executor.shutdown(wait=True)


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
        """``(True, result)`` when ``work`` finished in time, else ``(False, None)``.

        An exception from ``work`` is raised here when it came in time, else reported by the pool.
        """
        finished = threading.Event()
        lock = threading.Lock()
        state: dict[str, Any] = {"abandoned": False, "result": None, "error": None}

        def job() -> None:
            try:
                result, error = work(), None
            except Exception as exc:
                result, error = None, exc
            with lock:
                state["result"], state["error"] = result, error
                late = state["abandoned"]
                finished.set()
            if late and error is not None:
                raise error
            if late:
                on_late(result)

        self.jobs.submit(job)
        finished.wait(self.timeout)
        with lock:
            if not finished.is_set():
                state["abandoned"] = True
                return False, None
        if state["error"] is not None:
            raise state["error"]
        return True, state["result"]
