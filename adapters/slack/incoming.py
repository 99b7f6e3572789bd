"""Translating what Slack sends into the core's neutral `Incoming`.

Slack text arrives encoded: ``&``, ``<`` and ``>`` typed by the user come as entities, and everything in
angle brackets is markup — ``<@U123|ann>`` (a mention), ``<#C1|sales>`` (a channel), ``<!here>``,
``<mailto:a@b.com|a@b.com>`` (an auto-linked address), ``<https://x|label>``. The core wants what the user
*saw*: mentions become ``@U123`` (the core resolves ``@<platform id>`` to a user), links become their
label, then entities are decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from adapters.slack.platform import PLATFORM  # re-exported
from bot.messages import InboundKind, Incoming

_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
_ENTITY = re.compile(r"&(?:lt|gt|amp);")
_SPECIAL_WORDS = {"here", "channel", "everyone"}


def _markup_to_text(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # <@U123> or <@U123|name>
        return f"@{target[1:]}"
    if target.startswith("#"):  # <#C123|sales>
        return f"#{label}" if label else target
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        word = target[1:].split("^", 1)[0]
        if word in _SPECIAL_WORDS:
            return f"@{word}"
        return label or f"@{word}"
    if label:
        return label
    for scheme in ("mailto:", "tel:"):
        if target.startswith(scheme):
            return target[len(scheme) :]
    return target


def slack_to_text(text: str | None) -> str:
    """Slack message / command text → what the user typed (mentions as ``@U123``, links as labels)."""
    if not text:
        return ""
    unwrapped = _MARKUP.sub(lambda m: _markup_to_text(m.group(1)), text)
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], unwrapped)


def strip_leading_mention(text: str, bot_user_id: str | None) -> str:
    """Drop the ``<@BOT>`` a mention starts with (``@crmbot show Acme`` → ``show Acme``)."""
    stripped = text.strip()
    if bot_user_id:
        for form in (f"<@{bot_user_id}>", f"<@{bot_user_id}|"):
            if stripped.startswith(form):
                end = stripped.find(">") + 1
                return stripped[end:].strip()
    return stripped


def mentions_user(text: str | None, user_id: str | None) -> bool:
    """Whether Slack text mentions ``user_id`` (``<@U123>`` or ``<@U123|name>``)."""
    return bool(text and user_id and re.search(rf"<@{re.escape(user_id)}(?:\|[^>]*)?>", text))


@dataclass(frozen=True)
class Profile:
    """What Slack tells us about a person: display name, IANA time zone and profile e-mail (any may be unknown).

    The e-mail is the address Slack verified for the account (needs the ``users:read.email`` scope); it is the
    only address an ``email:`` entry in the config is matched against.
    """

    name: str | None = None
    timezone: str | None = None
    email: str | None = None


def make_incoming(
    *,
    team_id: str,
    channel: str,
    user_id: str,
    text: str,
    message_id: str | None,
    thread: str | None = None,
    is_direct: bool,
    profile: Profile | None = None,
    kind: str = InboundKind.MESSAGE,
) -> Incoming:
    """An `Incoming` for the core; ``text`` must already be translated with `slack_to_text`."""
    profile = profile or Profile()
    return Incoming(
        platform=PLATFORM,
        workspace=team_id,
        channel=channel,
        user_id=user_id,
        text=text,
        message_id=message_id,
        thread=thread,
        user_name=profile.name,
        user_timezone=profile.timezone,
        user_email=profile.email,
        is_direct=is_direct,
        kind=kind,
    )


def is_direct_channel(channel_id: str | None, channel_type: str | None = None) -> bool:
    """A DM with the bot: ``channel_type == "im"`` in events, a ``D…`` id everywhere."""
    return channel_type == "im" or bool(channel_id and channel_id.startswith("D"))


def team_of(body: dict[str, Any]) -> str:
    """The workspace (team id) a payload comes from, whatever its shape."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    if not team and isinstance(body.get("view"), dict):
        team = body["view"].get("team_id")
    return str(team or "")
