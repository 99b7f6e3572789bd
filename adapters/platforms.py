"""Every platform adapter, found by looking: a package under `adapters/` with a ``platform.py``.

A platform module is light (no SDK imports): it registers the core `bot.platforms.Platform` (name and
capabilities) and names its adapter with `PlatformAdapter` — the service `crmbot run` starts when the
platform is configured, imported only then. Adding a platform is adding a package; nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adapters
from bot.platforms import Platform
from config.settings import Settings


@dataclass(frozen=True)
class PlatformAdapter:
    """A platform's adapter package as `crmbot run` sees it."""

    platform: Platform
    enabled: Callable[[Settings], bool]  # whether the settings configure it (credentials present)
    service: str | None = None  # ``module:Class`` of its listener service, built as ``Class(runtime)``
    order: int = 100  # services start in this order (then by name)

    def service_class(self) -> Any:
        """The service class (its module, and the platform SDK, are imported now)."""
        if self.service is None:
            raise LookupError(f"platform {self.platform.name!r} has no service")
        module, _, name = self.service.partition(":")
        return getattr(importlib.import_module(module), name)


def discover() -> list[PlatformAdapter]:
    """Import every ``adapters/<package>/platform.py`` (registering its platform) and list their adapters."""
    found: list[PlatformAdapter] = []
    root = Path(adapters.__file__).parent
    for info in pkgutil.iter_modules([str(root)]):
        if info.ispkg and (root / info.name / "platform.py").is_file():
            module = importlib.import_module(f"adapters.{info.name}.platform")
            adapter = getattr(module, "ADAPTER", None)
            if isinstance(adapter, PlatformAdapter):
                found.append(adapter)
    return sorted(found, key=lambda a: (a.order, a.platform.name))
