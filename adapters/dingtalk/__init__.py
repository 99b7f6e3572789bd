"""DingTalk adapter: an enterprise-internal app robot in Stream mode on the official `dingtalk_stream` SDK.

- `service.DingTalkService`: the listener `crmbot run` starts (stream runner, handler, replies);
- `sender.DingTalkSender`: the core's `Sender` port for pushes (1:1 batchSend, group send).

Protocol facts and the SDK bugs worked around here: /work/shared/reference/dingtalk.md (A8 lists them).
"""

from adapters.dingtalk.sender import DingTalkSender
from adapters.dingtalk.service import DingTalkOptions, DingTalkService

__all__ = ["DingTalkOptions", "DingTalkSender", "DingTalkService"]
