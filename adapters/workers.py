"""The adapters' worker pools: platform work off the thread (or event loop) that must answer at once.

Every platform must be acknowledged quickly (Slack's 3 seconds, DingTalk's stream ACK), so listeners only
hand their work to a pool:

- `TrackedExecutor`: a thread pool that knows whether anything is queued or running, so shutdown and
  tests can wait until everything queued has run;
- `Jobs`: a named `TrackedExecutor` whose failures reach the error hook (`report_error`);
- `Deadline`: run a job, wait for it a little, and hand its result on later when it is late;
- `KeyedWorkQueue`: jobs with the same key (one person in one conversation) run one after the other, in
  arrival order, while a slow job never holds up other keys.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.errors import report_error

log = logging.getLogger("crmbot.workers")


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


Job = Callable[[], None]


class QueueClosedError(RuntimeError):
    """The queue is shutting down and accepts no more work."""


class KeyedWorkQueue:
    """A thread pool with per-key FIFO ordering. Jobs must not raise; failures are logged and dropped."""

    def __init__(self, workers: int = 8, *, name: str = "keyed-work") -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.name = name
        self._pool = TrackedExecutor(workers, name)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: dict[Hashable, deque[Job]] = {}
        self._closed = False

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue `job` behind earlier jobs of the same `key`; returns at once."""
        with self._lock:
            if self._closed:
                raise QueueClosedError(f"the {self.name} queue is stopped")
            queue = self._pending.get(key)
            if queue is not None:  # a drain for this key is running; it will pick the job up
                queue.append(job)
                return
            self._pending[key] = deque([job])
        self._pool.submit(self._drain, key)

    def _drain(self, key: Hashable) -> None:
        while True:
            with self._lock:
                queue = self._pending[key]
                if not queue:
                    del self._pending[key]
                    self._idle.notify_all()
                    return
                job = queue[0]
            try:
                job()
            except Exception:
                log.exception("%s job for %r failed", self.name, key)
            with self._lock:
                queue.popleft()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running (or `timeout` passes); True when idle."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    @property
    def backlog(self) -> int:
        """Jobs queued or running right now."""
        with self._lock:
            return sum(len(q) for q in self._pending.values())

    def close(self, timeout: float = 1.0) -> int:
        """Refuse new jobs, give running ones up to `timeout` s, then stop; returns the jobs left undone."""
        with self._lock:
            self._closed = True
        self.wait_idle(timeout)
        left = self.backlog
        # Jobs still queued are abandoned (their frames were ACKed; the users see no answer) rather than
        # holding up a shutdown that must finish within seconds.
        with self._lock:
            for queue in self._pending.values():
                while len(queue) > 1:
                    queue.pop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        if left:
            log.warning("%s queue stopped with %d job(s) unfinished", self.name, left)
        return left
