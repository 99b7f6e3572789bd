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

    max_message_chars: int  # the longest text one message may carry (pushes and answers are paged to it)
    blocks: bool = False  # rich layout: a card's fields and sections are drawn natively
    editable: bool = False  # a posted message can be replaced (shared cards are redrawn in place)
    buttons: bool = False  # card actions become buttons that run their command as the clicking user
    threads: bool = False  # answers and echoes can go into a message's thread
    files: bool = False  # files can be sent and received
    messages_per_minute: int | None = None  # per conversation, when the platform enforces a rate
    max_pages: int = 4  # a reply longer than this many messages is cut, its last page saying so


DEFAULT_CAPABILITIES = Capabilities(max_message_chars=3000)

#: The terminal chat's platform name. Admin tools (``crmbot import --as alice``) act as a terminal user
#: when the name they are given has no chat account, exactly as ``crmbot chat --as alice`` would.
LOCAL = "console"


@dataclass(frozen=True)
class Platform:
    """A chat platform crmbot talks on."""

    name: str  # the `Incoming.platform` / `Target.platform` value, and the prefix of ``name:id`` user refs
    capabilities: Capabilities
    label: str = ""  # how people call it ("Slack"); the name when empty


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


def get(name: str) -> Platform | None:
    """The registered platform called `name`, if any."""
    return _registry.get(name)


def names() -> tuple[str, ...]:
    """Every registered platform name, in registration order."""
    return tuple(_registry)


def capabilities_of(name: str, sender: object | None = None) -> Capabilities:
    """What `name` can show: the sender's own declaration wins, then the registry, then a safe default."""
    declared = getattr(sender, "capabilities", None)
    if isinstance(declared, Capabilities):
        return declared
    platform = _registry.get(name)
    return platform.capabilities if platform is not None else DEFAULT_CAPABILITIES
