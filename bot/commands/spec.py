"""Command specs: name, aliases, typed arguments, options and examples.

The parser and the help text are both generated from these, so usage shown to users can never drift from
what the parser accepts (hubot's CommandBus idea).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

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

    def usage(self) -> str:
        label = "|".join(self.choices) if self.kind is ArgKind.CHOICE else self.name
        if self.allows_self:
            label = f"{label}|me"
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

    def usage(self) -> str:
        if self.kind is ArgKind.NEXT_STEP:
            return f"[{self.name}:<when> <step>]"
        value = "|".join(self.choices) if self.choices else "…"
        return f"[{self.name}:{value}]"


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

    def usage(self) -> str:
        """``name <arg> [opt:…]`` as shown in help and in parse errors."""
        parts = [self.name, *(a.usage() for a in self.args), *(o.usage() for o in self.options)]
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
