"""A generic signed-webhook platform: any chat system that can POST JSON and receive JSON.

The third platform, built only on the core's port (`Bot.handle`, `bot.conversation`, `bot.delivery`,
`bot.platforms`) to show what a new platform costs: this package and its emulator, no core change.

- ``platform``: the name and capabilities the core adapts replies to;
- ``protocol``: signatures, inbound events → `Incoming`, replies → JSON messages;
- ``sender``: the core's `Sender` port (pushes POSTed, signed, to the platform's URL);
- ``service``: `crmbot run`'s listener, an HTTP endpoint at ``/webhook/events``.

Configured with ``[platforms.webhook]`` (``secret``, optional ``outbound_url``, ``port``), or
``CRM_PLATFORMS__WEBHOOK__SECRET`` and friends.
"""
