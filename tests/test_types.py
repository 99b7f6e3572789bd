"""mypy passes on the whole tree (the configuration is `[tool.mypy]` in pyproject.toml).

`make lint` runs it too; this test makes the suite itself refuse code that no longer type-checks. mypy's
cache (``.mypy_cache``) makes a rerun take about a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_passes_on_the_whole_tree():
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
