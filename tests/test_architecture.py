"""The dependency rule of DESIGN.md §3, checked by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "bot": {"slack_bolt", "slack_sdk", "dingtalk_stream", "apscheduler", "adapters", "schedules"},
    "storage": {"bot", "schedules", "adapters", "slack_bolt", "slack_sdk", "dingtalk_stream", "apscheduler"},
    "schedules": {"adapters", "slack_bolt", "slack_sdk", "dingtalk_stream"},
    "config": {"bot", "storage", "schedules", "adapters"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_dependency_rule(package):
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_checker_would_catch_a_violation(tmp_path):
    module = tmp_path / "leaky.py"
    module.write_text("from slack_sdk import WebClient\nimport adapters.slack\n")
    assert imported_roots(module) >= {"slack_sdk", "adapters"}
