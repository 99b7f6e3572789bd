"""The dependency rules of docs/ARCHITECTURE.md, checked by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DATABASE = {"storage", "sqlmodel", "sqlalchemy"}
FORBIDDEN = {
    "bot": {"slack_bolt", "slack_sdk", "dingtalk_stream", "apscheduler", "adapters", "schedules"},
    "storage": {"bot", "schedules", "adapters", "slack_bolt", "slack_sdk", "dingtalk_stream", "apscheduler"},
    "schedules": {"adapters", "slack_bolt", "slack_sdk", "dingtalk_stream"},
    "config": {"bot", "storage", "schedules", "adapters"},
}
# Platform adapters (every package with a ``platform.py``) translate and render only: what they need to know
# from the database, the core's conversation port (`bot.conversation`) answers.
PLATFORM_PACKAGES = sorted(f"adapters/{path.parent.name}" for path in (ROOT / "adapters").glob("*/platform.py"))
FORBIDDEN.update({package: DATABASE | {"schedules", "apscheduler"} for package in PLATFORM_PACKAGES})


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
    module.write_text("from slack_sdk import WebClient\nimport adapters.slack\n\ndef f():\n    from sqlmodel import select\n")
    assert imported_roots(module) >= {"slack_sdk", "adapters", "sqlmodel"}


def test_the_platform_adapters_are_found():
    assert {"adapters/slack", "adapters/dingtalk", "adapters/console"} <= set(PLATFORM_PACKAGES)


# -- no import cycles in the core ------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of `package` it imports, function-local imports included."""
    modules = {_module_name(path): path for path in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module in modules and node.level == 0:
                for alias in node.names:  # `from bot.x import y` may name the submodule bot.x.y
                    sub = f"{node.module}.{alias.name}"
                    edges.add(sub if sub in modules else node.module)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_core_has_no_import_cycles():
    assert cycles(import_graph("bot")) == []


def test_the_cycle_finder_would_catch_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
