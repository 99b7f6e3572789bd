"""Every notification kind is declared completely, in one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.notifications import kinds
from bot.notifications.catalog import (
    KINDS,
    SUBJECT_TITLES,
    CatchUp,
    Enqueue,
    enqueue_steps,
    kind_title,
    occasion_label,
)
from bot.render import LANGUAGES, has_message

ROOT = Path(__file__).resolve().parents[3]


def declared_kind_names() -> set[str]:
    """The string constants of `bot.notifications.kinds` that name a kind (UPPER_CASE = "lower_case")."""
    tree = ast.parse((ROOT / "bot/notifications/kinds.py").read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.lower() == node.value.value:
                names.add(node.value.value)
    return names


def test_every_kind_constant_has_a_catalog_entry():
    # A kind's name may also live in its own module; a name in `kinds` without an entry is a half-made kind.
    assert declared_kind_names() <= set(KINDS)
    assert kinds.FOLLOWUP_DUE in KINDS and kinds.DIGEST_WEEKLY in KINDS


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_entry_is_complete(name):
    entry = KINDS[name]
    assert entry.name == name
    assert entry.subject and entry.subject.isidentifier()
    assert isinstance(entry.enqueue, Enqueue) and callable(entry.enqueue.run) and entry.enqueue.label
    assert callable(entry.render)
    assert isinstance(entry.catch_up, CatchUp)
    assert len(entry.templates) == 2
    assert set(entry.titles) == {"zh", "en"}, f"{name}: titles need zh and en"
    assert re.search(r"[\u3400-\u9fff]", entry.titles["zh"]), f"{name}: its zh title must be Chinese"
    assert kind_title(name, "zh") == entry.titles["zh"] and kind_title(name, "en") == entry.titles["en"]
    assert entry.subject in SUBJECT_TITLES, f"{name}: name its subject {entry.subject!r} in SUBJECT_TITLES"
    for lang in LANGUAGES:
        missing = [key for key in entry.templates if not has_message(key, lang)]
        assert missing == [], f"{name}: no {missing} in {lang}"


def test_shared_enqueue_steps_run_once_per_tick():
    steps = enqueue_steps()
    assert len(steps) == len({id(step) for step in steps})
    assert [step.label for step in steps].count("digest") == 1
    assert steps[-1].label == kinds.CHURN and steps[-1].hourly


def test_occasion_label_names_the_subject():
    assert occasion_label(kinds.BIRTHDAY, 12, "2026-02-16") == "contact#12@2026-02-16"
    assert occasion_label("retired_kind", 3, "2026-01-01") == "subject#3@2026-01-01"
