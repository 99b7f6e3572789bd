"""Long-running services `crmbot run` starts: platform listeners and the scheduler.

A service has ``name``, ``is_platform``, ``start()`` and ``stop()``; each platform adapter package names
its own in its ``platform.py`` (see `adapters.platforms`). Only configured platforms' services are
imported, so a terminal-only run never loads their SDKs.
"""

from __future__ import annotations

from typing import Protocol

from adapters.bootstrap import Runtime
from adapters.platforms import discover


class Service(Protocol):
    name: str
    is_platform: bool

    def start(self) -> None: ...

    def stop(self) -> None: ...


def platform_services(runtime: Runtime) -> list[Service]:
    """Listeners for every platform with credentials configured (imported only when configured)."""
    return [adapter.service_class()(runtime) for adapter in discover()
            if adapter.service is not None and adapter.enabled(runtime.settings)]


def scheduler_service(runtime: Runtime) -> Service:
    """The in-process notification ticks (enqueue + dispatch every `scheduler.tick_seconds`)."""
    from adapters.scheduling import SchedulerService

    return SchedulerService(runtime)


def web_service(runtime: Runtime, services: list[Service]) -> Service | None:
    """The standalone HTTP server for the public pages, unless a listener in `services` serves HTTP already."""
    if any(getattr(service, "serves_http", False) for service in services):
        return None
    from adapters.web.service import WebService

    return WebService(runtime)
