"""Every message a Chinese speaker can get is Chinese, checked three ways:

1. every macro of every zh catalog, rendered with the English identifiers the code passes in (field names,
   tiers, stages, kinds, choice lists; any object's ``tier`` / ``stage`` / ``kind`` … attribute is its
   stored English value);
2. every whole-reply zh template (help, find results, duplicate warnings …), rendered the same way with
   its loops entered once;
3. every example of every command spec, typed by a Chinese-speaking admin into a seeded book: the whole
   reply, built by the real handlers, must not show an English identifier.

Command words and examples inside backticks are what the user types, so they are left out of the check,
and so are words the user typed in that message (a note is echoed as written). A failure names the
template and macro (or the command typed) and the English word(s), so whoever added it knows what to fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError, meta
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
    ("messages", "bad_date"): {"text": "改天", "reason": "vague_date"},
}
# Stored values as the code hands them over, by the attribute or parameter that carries them: a template
# showing one of these raw leaks an identifier.
STORED_VALUES: dict[str, str] = {
    "tier": "key", "stage": "at_risk", "kind": "call", "level": "at_risk", "lang": "en", "language": "en",
    "period": "weekly", "status": "open", "field": "tier", "role": "manager", "platform": "dingtalk",
}  # fmt: skip
# Lower-case ASCII words of three letters or more: an identifier leaking into a Chinese sentence.
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_./@:#-])[a-z][a-z_]{2,}(?![A-Za-z0-9_])")
_CODE = re.compile(r"`[^`]*`")
_LINK = re.compile(r"https?://\S+")
ALLOWED = {"crmbot"}


class Sample:
    """A stand-in for any object a template reads (customer, order, row …): every attribute exists, and
    the ones named like a stored enumerated field hold that field's English value."""

    loops = True  # whether a loop over a Sample runs its body once (off for loops that unpack their items)

    def __init__(self, name: str = "样例") -> None:
        self._name = name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return STORED_VALUES.get(name) or Sample(name)

    def __getitem__(self, key: object) -> Any:
        return STORED_VALUES.get(key) if isinstance(key, str) and key in STORED_VALUES else Sample()

    def __call__(self, *args: object, **kwargs: object) -> Sample:
        return Sample()

    def __str__(self) -> str:
        return "样例"

    def __format__(self, spec: str) -> str:
        return "样例"

    def __iter__(self):
        return iter((Sample(),) if Sample.loops else ())  # a loop's body is rendered once

    def __round__(self, digits: int | None = None) -> int:
        return 1

    def __len__(self) -> int:
        return 1

    def __contains__(self, item: object) -> bool:
        return False

    def __int__(self) -> int:
        return 1

    def __float__(self) -> float:
        return 1.0

    def __bool__(self) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__

    def __add__(self, other: object) -> Sample:
        return self

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __mod__ = __neg__ = __add__


def _rendered(draw) -> str:
    """`draw()`, with loops over stand-ins entered once, or skipped where the loop unpacks its items."""
    try:
        return str(draw())
    except (TypeError, ValueError):
        Sample.loops = False
        try:
            return str(draw())
        finally:
            Sample.loops = True


def _value(name: str, given: dict[str, Any]) -> Any:
    if name in given:
        return given[name]
    return STORED_VALUES.get(name) or Sample(name)


def _catalogs() -> tuple[list[tuple[str, str]], list[str]]:
    macros, whole = [], []
    for path in sorted(TEMPLATES.glob("*.j2")):
        try:
            module = environment().get_template(f"zh/{path.name}").module
        except UndefinedError:
            whole.append(path.stem)  # a whole-reply template (help, find results): rendered below
            continue
        for name in dir(module):
            if isinstance(getattr(module, name), Macro):
                macros.append((path.stem, name))
    return macros, whole


MACROS, WHOLE_TEMPLATES = _catalogs()


def _identifiers() -> set[str]:
    from bot.labels import FIELD_LABELS_ZH, VALUE_LABELS_ZH

    return set(FIELD_LABELS_ZH) | {v for table in VALUE_LABELS_ZH.values() for v in table} | set(STORED_VALUES.values())


def english_words(text: str, typed: str = "", earlier: str = "") -> list[str]:
    """The English identifiers in `text`, outside code spans and links, that the user did not type: words
    of the message itself may be echoed; words typed earlier (an English note) too, but field names and
    stored values never."""
    own = set(_ENGLISH_WORD.findall(typed.lower())) | (set(_ENGLISH_WORD.findall(earlier.lower())) - _identifiers())
    words = _ENGLISH_WORD.findall(_LINK.sub("", _CODE.sub("", text)))
    return [w for w in dict.fromkeys(words) if w not in ALLOWED and w not in own]


def _without_command_names(text: str) -> str:
    """Help names each command's English word after its Chinese one, on purpose (both can be typed)."""
    for spec in default_registry():
        text = text.replace(f"（{spec.name}）", "")
    return text


def _complaint(where: str, words: list[str], text: str) -> str:
    return f"{where}: English identifier(s) {words} in a Chinese reply (give them a zh label):\n{text}"


@pytest.mark.parametrize(("catalog", "name"), MACROS, ids=[f"{c}:{n}" for c, n in MACROS])
def test_every_zh_message_is_free_of_english_identifiers(catalog: str, name: str) -> None:
    macro = getattr(environment().get_template(f"zh/{catalog}.j2").module, name)
    given = IDENTIFIERS.get((catalog, name), {})
    rendered = _rendered(lambda: macro(**{arg: _value(arg, given) for arg in macro.arguments}))
    words = english_words(rendered)
    assert words == [], _complaint(f"bot/templates/zh/{catalog}.j2 macro {name}", words, rendered)


@pytest.mark.parametrize("template", WHOLE_TEMPLATES)
def test_every_whole_zh_template_is_free_of_english_identifiers(template: str) -> None:
    source = (TEMPLATES / f"{template}.j2").read_text(encoding="utf-8")
    wanted = meta.find_undeclared_variables(environment().parse(source)) - {"lang"}
    context: dict[str, Any] = {name: _value(name, {}) for name in wanted}
    if template == "help":
        context.update(spec=None, specs=list(default_registry()))
    if "tz" in wanted:
        from zoneinfo import ZoneInfo

        context["tz"] = ZoneInfo("Asia/Shanghai")
    rendered = _rendered(lambda: render(template, "zh", **context))
    words = english_words(_without_command_names(rendered))
    assert words == [], _complaint(f"bot/templates/zh/{template}.j2", words, rendered)


@pytest.mark.parametrize("spec", list(default_registry()), ids=lambda spec: spec.name)
def test_help_for_every_command_is_chinese(spec) -> None:
    text = render("help", "zh", spec=spec, specs=[])
    usage = spec.usage("zh")
    words = english_words(usage.replace("VIP", ""))
    assert words == [], _complaint(f"usage of `{spec.name}` (its spec's zh labels)", words, usage)
    words = english_words(text.replace(f"（{spec.name}）", ""))
    assert words == [], _complaint(f"help of `{spec.name}` (its spec's zh summary, examples)", words, text)


# A book to run every example against, typed by Chinese-speaking people with Chinese data: a customer the
# examples' names resolve to, with a contact, an order, a follow-up and an open next step.
ADMIN, REP = "王经理", "李销售"
SEED = (
    "设置 语言:中文",
    "新建 Acme 电话:13800138000 等级:VIP 地区:上海",
    "新建 华东机械 电话:13900139000",
    "联系人 Acme 张伟 电话:13500135000 生日:1985-03-02",
    "订单 Acme 12000 回款:下周五",
    "跟进 Acme 电话 谈了报价 下次:明天 10:00 发合同",
)


@pytest.fixture
def config_overrides():
    return {"roles": {"admins": [ADMIN]}, "teams": [{"name": "华东", "managers": [ADMIN], "members": [REP]}]}


def _markdown(reply) -> str:
    """A reply as core markdown (code spans kept, so the commands it shows are not checked); a card's
    buttons by their labels (their commands are what a click types)."""
    parts = [reply.text or ""]
    card = reply.card
    if card is not None:
        parts += [card.title, card.subtitle or ""]
        parts += [f"{field.label}: {field.value}" for field in card.fields]
        parts += [f"{heading}: {body}" for heading, body in card.sections]
        parts += [action.label for action in card.actions]
    return "\n".join(str(part) for part in parts)


def _examples() -> list[tuple[str, str]]:
    """Every example of every spec, Chinese and English ones (a Chinese speaker is answered in Chinese
    whatever command word they type)."""
    return [(spec.name, example) for spec in default_registry() for example in spec.examples]


def test_every_command_example_is_answered_in_chinese(chat) -> None:
    admin = chat.user(ADMIN)
    chat.user(REP).say("设置 语言:中文")
    for line in SEED:
        admin.say(line)
    leaks, typed = [], " ".join(SEED)
    for name, example in _examples():
        admin.say(example)
        reply = "\n".join(_markdown(r) for r in admin.last)
        if "lang:en" in example:  # the example switches the asker to English: back to Chinese
            admin.say("设置 语言:中文")
            continue
        words = english_words(_without_command_names(reply), typed=example, earlier=typed)
        typed += " " + example  # what people typed is data a later reply may echo (a note, a step)
        if words:
            leaks.append(_complaint(f"command `{name}`, typed `{example}`", words, reply))
    assert leaks == [], "\n\n".join(leaks)
