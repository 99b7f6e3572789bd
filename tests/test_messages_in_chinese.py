"""Every message a Chinese speaker can get is Chinese: each macro of every zh catalog is rendered with
the English identifiers the code passes in (field names, tiers, stages, kinds, choice lists), and the
reply must not show one. Command words and examples inside backticks are what the user types, so they
are left out of the check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.runtime import Macro

from bot.commands import default_registry
from bot.render import environment, render

TEMPLATES = Path(__file__).resolve().parent.parent / "bot" / "templates" / "zh"
# What the code really passes to the macros that must translate it: English field names, choice lists and
# stored values. Every other parameter is a stand-in object whose text is Chinese.
IDENTIFIERS: dict[tuple[str, str], dict[str, Any]] = {
    ("messages", "missing_argument"): {"name": "customer"},
    ("messages", "text_too_long"): {"name": "text"},
    ("messages", "unknown_field"): {"field": "颜色", "fields": "name, phone, email, kind, tier, stage, notes"},
    ("messages", "bad_choice"): {"name": "tier", "value": "白金", "choices": "key, normal, vip"},
    ("messages", "bad_number"): {"name": "morning", "value": "九"},
    ("messages", "tier_name"): {"tier": "key"},
    ("messages", "stage_name"): {"stage": "at_risk"},
    ("messages", "kind_name"): {"kind": "call"},
    ("messages", "bad_date"): {"text": "改天", "reason": "vague_date"},
    ("notifications", "churn"): {"level": "at_risk"},
}
# Lower-case ASCII words of three letters or more: an identifier leaking into a Chinese sentence.
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_./@:-])[a-z][a-z_]{2,}(?![A-Za-z0-9_])")
_CODE = re.compile(r"`[^`]*`")
ALLOWED = {"crmbot"}


class Sample:
    """A stand-in for any object a template reads (customer, order, row …): every attribute exists."""

    def __init__(self, name: str = "样例") -> None:
        self._name = name

    def __getattr__(self, name: str) -> Sample:
        return Sample(name)

    def __getitem__(self, key: object) -> Sample:
        return Sample()

    def __call__(self, *args: object, **kwargs: object) -> Sample:
        return Sample()

    def __str__(self) -> str:
        return "样例"

    def __format__(self, spec: str) -> str:
        return "样例"

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, item: object) -> bool:
        return False

    def __int__(self) -> int:
        return 1

    def __lt__(self, other: object) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__

    def __add__(self, other: object) -> Sample:
        return self

    __radd__ = __sub__ = __mul__ = __truediv__ = __add__


def _macros() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.glob("*.j2")):
        try:
            module = environment().get_template(f"zh/{path.name}").module
        except UndefinedError:
            continue  # a whole-reply template (help, find results), not a message catalog
        for name in dir(module):
            if isinstance(getattr(module, name), Macro):
                found.append((path.stem, name))
    return found


def _english_words(text: str) -> list[str]:
    return [w for w in _ENGLISH_WORD.findall(_CODE.sub("", text)) if w not in ALLOWED]


@pytest.mark.parametrize(("catalog", "name"), _macros())
def test_every_zh_message_is_free_of_english_identifiers(catalog: str, name: str) -> None:
    macro = getattr(environment().get_template(f"zh/{catalog}.j2").module, name)
    given = IDENTIFIERS.get((catalog, name), {})
    params = {arg: given.get(arg, Sample(arg)) for arg in macro.arguments}
    rendered = str(macro(**params))
    assert _english_words(rendered) == [], rendered


@pytest.mark.parametrize("spec", list(default_registry()), ids=lambda spec: spec.name)
def test_help_for_every_command_is_chinese(spec) -> None:
    text = render("help", "zh", spec=spec, specs=[])
    usage = spec.usage("zh")
    assert _english_words(usage.replace("VIP", "")) == [], usage
    assert _english_words(text.replace(f"（{spec.name}）", "")) == [], text
