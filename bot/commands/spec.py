"""Command specs: name, aliases, typed arguments, options and examples.

The parser and the help text are both generated from these, so usage shown to users can never drift from
what the parser accepts (hubot's CommandBus idea).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.labels import field_label, value_label

if TYPE_CHECKING:
    from bot.context import CommandContext
    from bot.messages import Reply


class ArgKind(StrEnum):
    WORD = "word"  # one word (quotes group words)
    TEXT = "text"  # the rest of the line
    CUSTOMER = "customer"  # name / pinyin initials / phone / #id, resolved with access control
    USER = "user"  # a crmbot user: name or @mention
    WHEN = "when"  # a date or date+time in the user's zone
    AMOUNT = "amount"  # money, with optional currency
    CHOICE = "choice"  # one of `choices`
    INT = "int"
    NEXT_STEP = "next"  # <when> <step text>: swallows the rest of the line


SELF_WORDS = frozenset({"me", "myself", "我", "自己", "我自己"})
_CJK = re.compile(r"[\u3400-\u9fff]")


def _zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


def _choice_usage(name: str, choices: tuple[str, ...], lang: str) -> str:
    """``vip|key|normal`` in English, ``VIP|重点|普通`` in Chinese (Chinese words the parser takes first)."""
    if not _zh(lang):
        return "|".join(choices)
    chinese = [c for c in choices if _CJK.search(c)]
    shown = chinese or [value_label(name, c) for c in choices]
    return "|".join(dict.fromkeys(shown))


@dataclass(frozen=True)
class Arg:
    """A positional argument."""

    name: str
    kind: ArgKind
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 2000
    # A customer argument that may instead be the asker ("remind me …"): the value is then None.
    allows_self: bool = False
    # Free text (a note, a reminder) kept as typed, punctuation included, instead of re-joined words.
    verbatim: bool = False

    def label(self, lang: str = "en") -> str:
        """The argument's name in ``lang`` (``customer`` / ``客户``)."""
        return field_label(self.name, lang)

    def usage(self, lang: str = "en") -> str:
        if self.kind is ArgKind.CHOICE:
            label = _choice_usage(self.name, self.choices, lang)
        else:
            label = self.label(lang)
        if self.allows_self:
            label = f"{label}|{'我' if _zh(lang) else 'me'}"
        return f"<{label}>" if self.required else f"[{label}]"


@dataclass(frozen=True)
class Option:
    """A ``key:value`` option; `aliases` include the Chinese keys (``电话:``)."""

    name: str
    kind: ArgKind = ArgKind.WORD
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    max_length: int = 500
    # Phones are typed in groups ("phone:+86 139 0013 9000"): following all-digit words belong to the value.
    absorbs_digit_groups: bool = False
    # A list typed with commas ("tags:vip,华东", "标签：vip、华东"): words joined to the value by a comma belong
    # to it, unless they are options themselves ("…,电话:138…").
    absorbs_comma_list: bool = False
    # Free text (notes): words joined to the value by a comma belong to it, and it is kept as typed.
    verbatim: bool = False

    def label(self, lang: str = "en") -> str:
        """The key shown in ``lang``: the name, or in Chinese the first Chinese alias (``电话``)."""
        if not _zh(lang):
            return self.name
        return next((a for a in self.aliases if _CJK.search(a)), field_label(self.name, lang))

    def usage(self, lang: str = "en") -> str:
        key = self.label(lang)
        if self.kind is ArgKind.NEXT_STEP:
            return f"[{key}:<时间> <下一步>]" if _zh(lang) else f"[{key}:<when> <step>]"
        value = _choice_usage(self.name, self.choices, lang) if self.choices else "…"
        return f"[{key}:{value}]"


Handler = Callable[["CommandContext", "ParsedCommand"], "Reply | list[Reply]"]


@dataclass(frozen=True)
class CommandSpec:
    """One chat command."""

    name: str
    aliases: tuple[str, ...]
    summary: Mapping[str, str]  # language -> one line
    handler: Handler
    args: tuple[Arg, ...] = ()
    options: tuple[Option, ...] = ()
    examples: tuple[str, ...] = ()
    writes: bool = True
    roles: frozenset[str] = frozenset({"rep", "manager", "admin"})
    # Options that may repeat or are free-form (contact fields) can be accepted wholesale.
    allow_any_option: bool = False
    # Aliases that already say "me" ("提醒我"): the `allows_self` argument is the asker without a word.
    self_aliases: frozenset[str] = frozenset()
    # A variant of the command of the same name for another kind of record: it takes over when the first
    # word after the command matches this pattern (``show D12`` shows a deal, ``show Acme`` a customer).
    # A variant adds no command words of its own; it shares the name and aliases of the command it refines.
    ref_pattern: str | None = None

    def refines(self, word: str) -> bool:
        """Whether this variant takes a line whose first argument is `word`."""
        return self.ref_pattern is not None and re.fullmatch(self.ref_pattern, word) is not None

    def word(self, lang: str = "en") -> str:
        """The command word shown in ``lang``: the name, or in Chinese its first Chinese alias."""
        if not _zh(lang):
            return self.name
        return next((a for a in self.aliases if _CJK.search(a)), self.name)

    def usage(self, lang: str = "en") -> str:
        """``name <arg> [opt:…]`` as shown in help and in parse errors; ``新建 <名称> [电话:…]`` in Chinese."""
        parts = [self.word(lang), *(a.usage(lang) for a in self.args), *(o.usage(lang) for o in self.options)]
        return " ".join(parts)

    def option_named(self, key: str) -> Option | None:
        """The option whose name or alias is `key` (case-insensitive)."""
        lowered = key.lower()
        for option in self.options:
            if lowered == option.name or lowered in option.aliases:
                return option
        return None


@dataclass
class ParsedCommand:
    """A command after parsing: typed positional values and options."""

    spec: CommandSpec
    values: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    alias_used: str = ""

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.values:
            return self.values[name]
        return self.options.get(name, default)
