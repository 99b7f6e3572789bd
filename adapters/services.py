"""Long-running services `crmbot run` starts: platform listeners and the scheduler.

A service has ``name``, ``is_platform``, ``start()`` and ``stop()``; each platform adapter package
provides one. Only configured platforms are imported, so a terminal-only run never loads their SDKs.
"""

from __future__ import annotations

from typing import Protocol

from adapters.bootstrap import Runtime


class Service(Protocol):
    name: str
    is_platform: bool

    def start(self) -> None: ...

    def stop(self) -> None: ...


def platform_services(runtime: Runtime) -> list[Service]:
    """Listeners for every platform with credentials configured (imported only when configured)."""
    services: list[Service] = []
    if runtime.settings.slack_enabled:
        from adapters.slack import SlackService

        services.append(SlackService(runtime))
    if runtime.settings.dingtalk_enabled:
        from adapters.dingtalk import DingTalkService

        services.append(DingTalkService(runtime))
    return services


def scheduler_service(runtime: Runtime) -> Service:
    """The in-process notification ticks (enqueue + dispatch every `scheduler.tick_seconds`)."""
    from adapters.scheduling import SchedulerService

    return SchedulerService(runtime)
