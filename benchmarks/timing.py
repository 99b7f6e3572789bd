"""Repeated timing: medians (and p95 for interactive commands) of wall-clock milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Milliseconds of each run after the warm-up, with their median and 95th percentile."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        """Median milliseconds."""
        return statistics.median(self.runs)

    @property
    def p95(self) -> float:
        """95th-percentile milliseconds (nearest rank)."""
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def measure(work: Callable[[], object], *, repeat: int, warmup: int = 1,
            setup: Callable[[], object] | None = None) -> Timing:
    """Run ``work`` ``warmup + repeat`` times (``setup`` before each, untimed) and time the last ``repeat``."""
    runs: list[float] = []
    for index in range(warmup + repeat):
        if setup is not None:
            setup()
        started = time.perf_counter()
        work()
        elapsed = (time.perf_counter() - started) * 1000
        if index >= warmup:
            runs.append(elapsed)
    return Timing(tuple(runs))
