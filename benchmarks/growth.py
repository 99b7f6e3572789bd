"""Growth of the set-based work with the size of the book: ``python -m benchmarks.growth --sizes 6000,60000``.

For each size the SQLite book is generated once (as `make bench` does) and the scheduler's and importer's own
functions are timed on it: churn scoring of every customer, a tick's enqueue, a manager's digest, an import
of that many rows, and the whole morning tick pass. Then, per operation, the ratio of each size's time to the
previous size's, beside the ratio of the sizes: linear growth has the two equal (a per-customer cost that
stays put). Numbers are medians of `--runs` runs (the import and the tick pass: one run each).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.dataset import BENCH_NOW, import_file, owner_names, sqlite_backend
from benchmarks.operations import Ours, pick_people
from benchmarks.timing import measure

OPERATIONS = ("churn scoring, all customers", "tick enqueue, everything due", "manager digest, 50-rep team",
              "import (CSV)", "tick pass, morning")


def measure_size(customers: int, runs: int, log) -> dict[str, float]:
    """Milliseconds of each operation on a book of `customers`."""
    backend = sqlite_backend(customers, regenerate=False, log=log)
    ours = Ours(backend, BENCH_NOW)
    people = pick_people(backend)
    today = BENCH_NOW.astimezone(ZoneInfo(backend.settings.defaults.timezone)).date()
    figures: dict[str, float] = {}
    log(f"  {customers:,}: churn, enqueue, digest")
    figures[OPERATIONS[0]] = measure(lambda: ours.churn(today), repeat=runs).median
    ours.clear_outbox()
    ours.prime_enqueue()
    figures[OPERATIONS[1]] = measure(ours.enqueue, repeat=runs, setup=ours.clear_outbox).median
    ours.clear_outbox()
    figures[OPERATIONS[2]] = measure(lambda: ours.digest(people.manager_id), repeat=runs).median
    log(f"  {customers:,}: import")
    engine, _ = backend.fresh_import_target()
    path = import_file(customers, owner_names(engine))
    figures[OPERATIONS[3]] = measure(lambda: ours.import_file(path), repeat=1, warmup=0).median
    log(f"  {customers:,}: tick pass")
    output = subprocess.run([sys.executable, "-m", "benchmarks.tick_memory", backend.url], check=True,
                            capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent).stdout
    figures[OPERATIONS[4]] = json.loads(output.strip().splitlines()[-1])["seconds"] * 1000
    backend.engine.dispose()
    return figures


def table(sizes: list[int], figures: dict[int, dict[str, float]]) -> str:
    """Milliseconds per size and the growth ratio between consecutive sizes (time ratio / size ratio)."""
    head = ["operation", *(f"{size // 1000}k ms" for size in sizes),
            *(f"{b // 1000}k/{a // 1000}k" for a, b in zip(sizes, sizes[1:], strict=False))]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for name in OPERATIONS:
        cells = [name, *(f"{figures[size][name]:,.0f}" for size in sizes)]
        for a, b in zip(sizes, sizes[1:], strict=False):
            ratio = figures[b][name] / figures[a][name] if figures[a][name] else float("nan")
            cells.append(f"{ratio:.1f}x for {b / a:.0f}x the data")
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure every size and print the growth table (Markdown)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6000,60000", help="comma-separated customer counts, smallest first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    figures = {size: measure_size(size, args.runs, log) for size in sizes}
    print(table(sizes, figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
