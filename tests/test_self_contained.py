"""The project documents itself: nothing cites notes or machine paths that exist outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Spelled in pieces so this file does not match itself.
OUTSIDE = re.compile("|".join([r"DESIGN" + r"\.md", "/" + "work/", r"shared/" + "reference", r"\bDESIGN §"]))
TEXT = (".py", ".md", ".j2", ".toml", ".ini", ".cfg", ".txt", ".yaml", ".yml")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if listed.returncode == 0 and listed.stdout.strip():
        return [ROOT / name for name in listed.stdout.splitlines()]
    return [path for path in ROOT.rglob("*") if ".venv" not in path.parts]


def test_no_file_cites_notes_outside_the_repository():
    offenders = []
    for path in tracked_files():
        if path.suffix not in TEXT and path.name != "Makefile" or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert offenders == []


def test_the_architecture_document_exists():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for heading in ("## Layers", "## The conversation port", "## Flow 1", "## Flow 2", "## Invariants",
                    "## How to add a command", "## How to add a notification kind", "## How to add a platform"):
        assert heading in text
