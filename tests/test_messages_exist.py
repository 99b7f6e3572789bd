"""Every user-facing error key the code raises has a message in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.render import has_message

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(r"""(?:UserError|ParseError)\(\s*["']([\w:]+)["']""")


def raised_keys() -> set[str]:
    keys: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        keys.update(KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_keys_are_found():
    assert {"customer_not_found", "unknown_command", "bad_date"} <= raised_keys()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_raised_key_has_a_message(lang):
    missing = sorted(k for k in raised_keys() if not has_message(k, lang))
    assert missing == []
