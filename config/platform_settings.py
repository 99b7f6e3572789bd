"""Platform settings sections, declared by the platforms' adapters (the settings name no platform).

A platform adapter declares its section once, next to its capabilities (``adapters/<name>/settings.py``,
imported by its ``platform.py``): the pydantic model of its settings, the environment variables it reads
under the platform's own names (``SLACK_BOT_TOKEN``), which fields are secrets (refused as placeholders in
production) and its cross-field rules. `config.settings.Settings` then accepts that section from the TOML
file (``[slack]``), the environment (the declared names, and ``CRM_<NAME>__<FIELD>``) and keyword arguments
(``slack_bot_token=…``), validates it with the model, and hands it out with `Settings.platform`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class PlatformSettings:
    """One platform's section of the settings."""

    name: str  # the TOML section (``[slack]``) and the key in `Settings.platforms`
    model: type[BaseModel]
    env: Mapping[str, str] = field(default_factory=dict)  # environment variable -> field of `model`
    secrets: tuple[str, ...] = ()  # fields whose example values are refused when env=production
    # Rules across fields (both credentials or none …): raises ValueError with a message for the user.
    check: Callable[[Any], None] | None = None
    enabled: Callable[[Any], bool] = lambda _section: False  # whether the section configures the platform


_declared: dict[str, PlatformSettings] = {}
_lock = threading.Lock()


def declare(section: PlatformSettings) -> PlatformSettings:
    """Make `section` part of the settings (idempotent for the same declaration)."""
    with _lock:
        known = _declared.get(section.name)
        if known is not None and known.model is not section.model:
            raise ValueError(f"platform settings {section.name!r} are declared twice, differently")
        _declared[section.name] = section
    return section


def declared() -> dict[str, PlatformSettings]:
    """Every declared section by name."""
    return dict(_declared)
