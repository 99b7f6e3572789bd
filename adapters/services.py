"""Long-running services `crmbot run` starts: platform listeners and the scheduler.

A service has ``name``, ``is_platform``, ``start()`` and ``stop()``; each platform adapter package
provides one. Only configured platforms are imported, so a terminal-only install never loads them.
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
    """Listeners for every platform with credentials configured."""
    services: list[Service] = []
    for enabled, factory in PLATFORM_FACTORIES:
        if enabled(runtime):
            services.append(factory(runtime))
    return services


def scheduler_service(runtime: Runtime) -> Service | None:
    """The in-process notification ticks, when the scheduler is part of this build."""
    if SCHEDULER_FACTORY is None:
        return None
    return SCHEDULER_FACTORY(runtime)


# (is it configured?, build the service) per platform; platform adapters add themselves here.
PLATFORM_FACTORIES: list[tuple] = []
SCHEDULER_FACTORY = lambda rt: __import__("adapters.scheduling", fromlist=["SchedulerService"]).SchedulerService(rt)  # noqa: E731
PLATFORM_FACTORIES.append((lambda rt: rt.settings.dingtalk_enabled,
                           lambda rt: __import__("adapters.dingtalk", fromlist=["DingTalkService"]).DingTalkService(rt)))
PLATFORM_FACTORIES.append((lambda rt: rt.settings.slack_enabled, lambda rt: __import__("adapters.slack", fromlist=["SlackService"]).SlackService(rt)))
