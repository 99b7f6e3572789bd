"""DingTalk adapter: an enterprise-internal app robot in Stream mode on the official `dingtalk_stream` SDK.

- `service.DingTalkService`: the listener `crmbot run` starts (stream runner, handler, replies);
- `sender.DingTalkSender`: the core's `Sender` port for pushes (1:1 batchSend, group send).

The SDK bugs worked around here are described where the workaround lives (runner, sdk, handler, openapi).
"""

from __future__ import annotations

_EXPORTS = {"DingTalkSender": "adapters.dingtalk.sender", "DingTalkOptions": "adapters.dingtalk.service",
            "DingTalkService": "adapters.dingtalk.service"}
__all__ = ["DingTalkOptions", "DingTalkSender", "DingTalkService"]


def __getattr__(name: str) -> object:
    # Lazy, so that `adapters.dingtalk.platform` (read by `crmbot run` to find platforms) loads no SDK.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
