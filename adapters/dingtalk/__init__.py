"""DingTalk adapter: an enterprise-internal app robot in Stream mode on the official `dingtalk_stream` SDK.

- `service.DingTalkService`: the listener `crmbot run` starts (stream runner, handler, replies);
- `sender.DingTalkSender`: the core's `Sender` port for pushes (1:1 batchSend, group send).

The SDK bugs worked around here are described where the workaround lives (runner, sdk, handler, openapi).
"""

from adapters.dingtalk.sender import DingTalkSender
from adapters.dingtalk.service import DingTalkOptions, DingTalkService

__all__ = ["DingTalkOptions", "DingTalkSender", "DingTalkService"]
