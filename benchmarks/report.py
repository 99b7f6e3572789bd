"""Results: one row per operation and backend, written to results.json and printed as a table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Result:
    """One measured operation. ``ratio`` is ours / floor; ``budget_ms`` the absolute target (None: none) and
    ``ratio_budget`` the target ratio for set-based paths (None: not a set-based path)."""

    operation: str
    backend: str
    ours_ms: float
    floor_ms: float | None
    budget_ms: float | None
    p95_ms: float | None = None
    ratio_budget: float | None = None
    runs: int = 0
    unit: str = "ms"  # "MB" for memory: then ours_ms and budget_ms hold megabytes
    note: str = ""
    statements: int | None = None  # SQL statements one interactive command sends (warm connection)
    statement_budget: int | None = None

    @property
    def ratio(self) -> float | None:
        """ours / floor, rounded (None without a floor)."""
        return round(self.ours_ms / self.floor_ms, 2) if self.floor_ms else None

    @property
    def passed(self) -> bool:
        """Within the absolute budget (p95 for interactive commands) and the ratio budget, where set."""
        measured = self.p95_ms if self.p95_ms is not None else self.ours_ms
        within_budget = self.budget_ms is None or measured <= self.budget_ms
        within_ratio = self.ratio_budget is None or self.ratio is None or self.ratio <= self.ratio_budget
        within_statements = (self.statement_budget is None or self.statements is None
                             or self.statements <= self.statement_budget)
        return within_budget and within_ratio and within_statements

    def as_json(self) -> dict:
        """The row of results.json."""
        data = asdict(self)
        data.update(ratio=self.ratio, passed=self.passed)
        return {key: (round(value, 2) if isinstance(value, float) else value) for key, value in data.items()}


def write_json(results: list[Result], path: Path, meta: dict, *, run: dict) -> None:
    """results.json: ``{"meta": {..., "runs": {backend: run}}, "results": [{operation, ours_ms, ...}]}``, where
    `run` says when and on how fast a machine (``cpu_calibration_ms``) this run measured.

    Rows of a backend not measured this time are kept from the existing file (a run without PostgreSQL does not
    erase its figures), each backend with its own run.
    """
    measured = {r.backend for r in results}
    kept: list[dict] = []
    runs: dict[str, dict] = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
        kept = [row for row in previous.get("results", []) if row.get("backend") not in measured]
        earlier = previous.get("meta", {}).get("runs")
        if isinstance(earlier, dict):
            runs = {backend: info for backend, info in earlier.items() if backend not in measured}
    runs.update(dict.fromkeys(sorted(measured), run))
    rows = [r.as_json() for r in results] + kept
    path.write_text(json.dumps({"meta": {**meta, "runs": runs}, "results": rows}, ensure_ascii=False, indent=2)
                    + "\n", encoding="utf-8")


def table(results: list[Result]) -> str:
    """A fixed-width table (also the README's Performance section)."""
    header = ("operation", "backend", "ours", "p95", "floor", "ratio", "stmts", "budget", "ok")
    rows = [header]
    for r in results:
        budget = []
        if r.budget_ms is not None:
            budget.append(f"{'p95 ' if r.p95_ms is not None else ''}≤{r.budget_ms:g} {r.unit}")
        if r.ratio_budget is not None:
            budget.append(f"≤{r.ratio_budget:g}× floor")
        if r.statement_budget is not None:
            budget.append(f"≤{r.statement_budget} stmts")
        rows.append((
            r.operation, r.backend, _figure(r.ours_ms, r.unit), _figure(r.p95_ms, "ms"), _figure(r.floor_ms, r.unit),
            f"{r.ratio:.2f}×" if r.ratio is not None else "", "" if r.statements is None else str(r.statements),
            ", ".join(budget), "yes" if r.passed else "NO",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:,.{2 if value < 10 else 1 if value < 1000 else 0}f} {unit}"
