"""Runs message work off the stream's event loop: in order per key, in parallel across keys.

The SDK starts one task per frame with no ordering, and a command can take a while (database,
OpenAPI calls). The handler therefore only enqueues; this queue runs jobs on a small thread pool while
guaranteeing that jobs with the same key (one person in one conversation) run one after the other, in
arrival order, and that a slow job never holds up other keys.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("crmbot.dingtalk.work")

Job = Callable[[], None]


class QueueClosedError(RuntimeError):
    """The queue is shutting down and accepts no more work."""


class KeyedWorkQueue:
    """A thread pool with per-key FIFO ordering. Jobs must not raise; failures are logged and dropped."""

    def __init__(self, workers: int = 8, *, name: str = "dingtalk-work") -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: dict[Hashable, deque[Job]] = {}
        self._closed = False

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue `job` behind earlier jobs of the same `key`; returns at once."""
        with self._lock:
            if self._closed:
                raise QueueClosedError("the DingTalk work queue is stopped")
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
                log.exception("DingTalk job for %r failed", key)
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
            log.warning("DingTalk work queue stopped with %d job(s) unfinished", left)
        return left
