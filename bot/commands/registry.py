"""The command registry: every spec by name and alias."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from bot.actions import learn_command_words
from bot.commands.spec import CommandSpec


class CommandRegistry:
    """Looks commands up by any of their words (case-insensitive)."""

    def __init__(self, specs: Iterable[CommandSpec] = ()) -> None:
        self._specs: list[CommandSpec] = []
        self._by_word: dict[str, CommandSpec] = {}
        self._variants: dict[str, list[CommandSpec]] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: CommandSpec) -> None:
        """Register a spec; a word may name only one command. A variant (`CommandSpec.ref_pattern`) is kept
        beside the command it refines, which must be registered first."""
        if spec.ref_pattern is not None:
            base = self.lookup(spec.name)
            if base is None:
                raise ValueError(f"variant of unknown command {spec.name!r}")
            spec = replace(spec, aliases=base.aliases)  # help and usage show the words that really work
            self._variants.setdefault(spec.name, []).append(spec)
            self._specs.append(spec)
            return
        for word in (spec.name, *spec.aliases):
            key = word.lower()
            if key in self._by_word:
                raise ValueError(f"command word {word!r} is used twice")
            self._by_word[key] = spec
        self._specs.append(spec)
        # Buttons show the command as each language types it (`bot.actions.command_text`).
        learn_command_words(spec.name, {"en": spec.word("en"), "zh": spec.word("zh")})

    def lookup(self, word: str) -> CommandSpec | None:
        """The spec for a command word, or None."""
        return self._by_word.get(word.lower())

    def refine(self, spec: CommandSpec, first_word: str | None) -> CommandSpec:
        """The variant of `spec` that takes a line starting with `first_word` (``show D12``), else `spec`."""
        if first_word:
            for variant in self._variants.get(spec.name, ()):
                if variant.refines(first_word):
                    return variant
        return spec

    def words(self) -> Iterator[str]:
        return iter(self._by_word)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs)
