"""The platform registry: every chat platform declares what it can show, once, and the core adapts to it.

A platform adapter registers a `Platform` (its name and `Capabilities`) when it is loaded; the core reads
the registry to page long pushes to the platform's message size, to tell a platform id (``slack:U123``)
from a user name, and to degrade replies a platform cannot show (`bot.delivery.fit`). Nothing in the core
names a particular platform.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """What one message on a platform can be and carry."""

    # The most text one message may carry, all of it (answer, card fields, sections, buttons), as the
    # adapter measures it (`bot.delivery.fit`'s `measure`: characters of the rendered text by default).
    max_message_chars: int
    # Where the platform counts a message's size otherwise (DingTalk: the UTF-8 bytes of its JSON payload),
    # that limit, in the unit of the adapter's `measure`; `fit` pages to it instead of `max_message_chars`.
    max_message_size: int | None = None
    blocks: bool = False  # rich layout: a card's fields and sections are drawn natively
    editable: bool = False  # a posted message can be replaced (shared cards are redrawn in place)
    buttons: bool = False  # card actions become buttons that run their command as the clicking user
    threads: bool = False  # a message has a thread: replies there reach the bot, follow-ups are echoed there
    files: bool = False  # files can be sent and received
    messages_per_minute: int | None = None  # per conversation, when the platform enforces a rate
    max_pages: int = 4  # a reply longer than this many messages is cut, its last page saying so
    # Limits of the pieces a message or a form is made of (blocks platforms and forms):
    max_block_chars: int | None = None  # one text block (a section); longer text is split into several
    max_blocks: int | None = None  # blocks in one message
    max_title_chars: int = 80  # a form's title (and its submit / cancel buttons)
    max_label_chars: int = 2000  # a form field's label or hint
    max_option_chars: int = 75  # one choice of a picker, one button's label
    max_options: int = 100  # choices in one picker

    @property
    def message_size(self) -> int:
        """The size `bot.delivery.fit` pages to: `max_message_size`, else `max_message_chars`."""
        return self.max_message_size or self.max_message_chars

    @property
    def block_chars(self) -> int:
        """The size of one text block: `max_block_chars`, or the whole message when blocks have no own limit."""
        return min(self.max_block_chars or self.message_size, self.message_size)


DEFAULT_CAPABILITIES = Capabilities(max_message_chars=3000)


@dataclass(frozen=True)
class Platform:
    """A chat platform crmbot talks on."""

    name: str  # the `Incoming.platform` / `Target.platform` value, and the prefix of ``name:id`` user refs
    capabilities: Capabilities
    label: str = ""  # how people call it ("Slack"); the name when empty
    # What people of other languages call it: (("zh", "钉钉"),); `label` where a language is not listed.
    labels: tuple[tuple[str, str], ...] = ()
    # The platform of the people admin tools act as when a name has no chat account (the terminal chat,
    # ``crmbot import --as alice``): exactly one registered platform may say so.
    local: bool = False


_registry: dict[str, Platform] = {}
_lock = threading.Lock()


def register(platform: Platform) -> Platform:
    """Add a platform (idempotent); registering another platform under a taken name is an error."""
    with _lock:
        known = _registry.get(platform.name)
        if known is not None and known != platform:
            raise ValueError(f"platform {platform.name!r} is registered twice, differently")
        _registry[platform.name] = platform
    return platform


def label_of(name: str, lang: str) -> str:
    """How people of `lang` call platform `name` (its declared label; the name itself if unknown)."""
    platform = _registry.get(name)
    if platform is None:
        return name
    return dict(platform.labels).get(lang[:2]) or platform.label or name


def get(name: str) -> Platform | None:
    """The registered platform called `name`, if any."""
    return _registry.get(name)


def names() -> tuple[str, ...]:
    """Every registered platform name, in registration order."""
    return tuple(_registry)


def local() -> str:
    """The name of the platform declared `local` (where admin tools' users live without a chat account)."""
    for platform in _registry.values():
        if platform.local:
            return platform.name
    raise LookupError("no local platform is registered (adapters.platforms.discover() registers them)")


def capabilities_of(name: str, sender: object | None = None) -> Capabilities:
    """What `name` can show: the sender's own declaration wins, then the registry, then a safe default."""
    declared = getattr(sender, "capabilities", None)
    if isinstance(declared, Capabilities):
        return declared
    platform = _registry.get(name)
    return platform.capabilities if platform is not None else DEFAULT_CAPABILITIES
