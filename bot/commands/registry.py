"""The command registry: every spec by name and alias."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.actions import learn_command_words
from bot.commands.spec import CommandSpec


class CommandRegistry:
    """Looks commands up by any of their words (case-insensitive)."""

    def __init__(self, specs: Iterable[CommandSpec] = ()) -> None:
        self._specs: list[CommandSpec] = []
        self._by_word: dict[str, CommandSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: CommandSpec) -> None:
        """Register a spec; a word may name only one command."""
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

    def words(self) -> Iterator[str]:
        return iter(self._by_word)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs)
