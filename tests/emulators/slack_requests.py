"""The inbound side: what Slack POSTs to our ``/slack/events`` endpoint, built and signed for tests.

Payload shapes are taken from bolt-python's own scenario-test fixtures):

- `slash_command` → form body (flat fields);
- `block_actions`, `view_submission`, `view_closed` → form body with one ``payload=<JSON>`` field;
- `event_callback` (wrapping `message_event`, `app_mention_event`, `app_home_opened_event`, ...) and
  `url_verification` → JSON body.

Builders return the exact body *string* (what gets signed); `sign` makes the ``X-Slack-*`` headers with
``slack_sdk.signature.SignatureVerifier``; `post_signed` sends it over real HTTP with proxies disabled.
Defaults reuse the fake's identity (team ``T111``, bot user ``UBOT``, app ``A111``).
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.error import HTTPError
from urllib.parse import quote, urlencode
from urllib.request import ProxyHandler, Request, build_opener

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

TEAM_ID = "T111"
API_APP_ID = "A111"
BOT_USER_ID = "UBOT"
_PLACEHOLDER_RESPONSE_URL = "https://hooks.slack.com/commands/T111/0/placeholder"
_event_seq = itertools.count(1)


def _fresh_trigger_id() -> str:
    return f"{int(time.time())}.{next(_event_seq)}.{secrets.token_hex(8)}"


def _fresh_ts() -> str:
    """A unique message-style ts for events (``<seconds>.<6 digits>``)."""
    micros = int(time.time() * 1_000_000) + next(_event_seq)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def _interactive_body(payload: Mapping[str, Any]) -> str:
    """Interactivity bodies are ``payload=<URL-encoded JSON>`` (Bolt's parse_body looks for it)."""
    return f"payload={quote(json.dumps(payload))}"


# ----- slash commands and interactivity (form bodies) ---------------------------------------------------


def slash_command(
    text: str,
    user_id: str = "U111",
    channel_id: str = "C111",
    team_id: str = TEAM_ID,
    response_url: str | None = None,
    trigger_id: str | None = None,
    *,
    command: str = "/crm",
    channel_name: str = "crm",
) -> str:
    """Form body of a slash command (``/crm <text>``); pass ``response_url=fake.hooks_url(...)`` to
    let ``respond()`` reach the fake, and ``trigger_id=fake.issue_trigger_id()`` for expiry checks."""
    return urlencode(
        {
            "token": "verification-token-unused",
            "team_id": team_id,
            "team_domain": "crm-test",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or _PLACEHOLDER_RESPONSE_URL,
            "trigger_id": trigger_id or _fresh_trigger_id(),
        }
    )


def block_actions(
    action_id: str,
    value: str,
    user_id: str = "U111",
    *,
    block_id: str = "actions",
    channel_id: str = "C111",
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    action_type: str = "button",
    state_values: Mapping[str, Any] | None = None,
) -> str:
    """Form body of a button click. With ``view`` (a view object, e.g. from `FakeSlack.view`) the
    container is that modal/Home view and there is no channel or response_url; otherwise the container
    is ``message`` (its ``ts`` is used) in ``channel_id``."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or _fresh_trigger_id(),
        "team": {"id": team_id, "domain": "crm-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": dict(state_values or {})},
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "type": action_type,
                "value": value,
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "action_ts": _fresh_ts(),
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = dict(view)
    else:
        message = dict(message or {"type": "message", "ts": _fresh_ts(), "text": "", "user": BOT_USER_ID})
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        payload["message"] = message
        payload["response_url"] = response_url or _PLACEHOLDER_RESPONSE_URL
    return _interactive_body(payload)


def message_shortcut(
    callback_id: str,
    message: Mapping[str, Any],
    user_id: str = "U111",
    *,
    channel_id: str = "C111",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> str:
    """Form body of a message shortcut (the ⋯ menu of a message → an app's action) on ``message``."""
    payload: dict[str, Any] = {
        "type": "message_action",
        "callback_id": callback_id,
        "token": "verification-token-unused",
        "action_ts": _fresh_ts(),
        "trigger_id": trigger_id or _fresh_trigger_id(),
        "team": {"id": team_id, "domain": "crm-test"},
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "is_enterprise_install": False,
        "enterprise": None,
        "message_ts": message["ts"],
        "message": dict(message),
        "response_url": response_url or _PLACEHOLDER_RESPONSE_URL,
    }
    return _interactive_body(payload)


def block_suggestion(
    action_id: str,
    value: str,
    view: Mapping[str, Any],
    user_id: str = "U111",
    *,
    block_id: str = "customer",
    team_id: str = TEAM_ID,
) -> str:
    """Form body of an external select asking for options while the user types ``value`` in a modal."""
    payload = {
        "type": "block_suggestion",
        "user": _user(user_id, team_id),
        "team": {"id": team_id, "domain": "crm-test"},
        "api_app_id": API_APP_ID,
        "token": "verification-token-unused",
        "container": {"type": "view", "view_id": view["id"]},
        "view": dict(view),
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
    }
    return _interactive_body(payload)


def link_shared_event(
    urls: list[str], user_id: str = "U111", *, channel_id: str = "C111", message_ts: str | None = None,
) -> dict[str, Any]:
    """A ``link_shared`` event: someone posted links of a domain the app unfurls."""
    ts = message_ts or _fresh_ts()
    return {
        "type": "link_shared",
        "user": user_id,
        "channel": channel_id,
        "message_ts": ts,
        "unfurl_id": f"U{secrets.token_hex(6).upper()}",
        "source": "conversations_history",
        "event_ts": _fresh_ts(),
        "links": [{"url": url, "domain": url.split("/")[2]} for url in urls],
    }


def _state_values(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Expand ``{block: {action: "text"}}`` shorthand into Slack's ``plain_text_input`` state entries."""
    expanded: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        expanded[block_id] = {
            action_id: value if isinstance(value, Mapping) else {"type": "plain_text_input", "value": value}
            for action_id, value in actions.items()
        }
    return expanded


def _submitted_view(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    private_metadata: str,
    view_id: str,
    team_id: str,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "blocks": [],
        "state": {"values": _state_values(values)},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": "CRM"},
        "close": None,
        "submit": {"type": "plain_text", "text": "Save"},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "BBOT",
    }


def view_submission(
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    private_metadata: str = "",
    user_id: str = "U111",
    *,
    view_id: str = "V111",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_urls: list[dict[str, str]] | None = None,
) -> str:
    """Form body of a modal "Submit". ``values`` is ``{block_id: {action_id: state}}`` where a plain
    string state means a ``plain_text_input`` with that value (other element types: pass the dict)."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "crm-test"},
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or _fresh_trigger_id(),
        "view": _submitted_view(callback_id, values, private_metadata, view_id, team_id),
        "response_urls": list(response_urls or []),
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive_body(payload)


def view_closed(
    callback_id: str, private_metadata: str = "", user_id: str = "U111", *, view_id: str = "V111"
) -> str:
    """Form body sent when a modal opened with ``notify_on_close`` is dismissed."""
    payload = {
        "type": "view_closed",
        "team": {"id": TEAM_ID, "domain": "crm-test"},
        "user": _user(user_id, TEAM_ID),
        "api_app_id": API_APP_ID,
        "token": "verification-token-unused",
        "view": _submitted_view(callback_id, {}, private_metadata, view_id, TEAM_ID),
        "is_cleared": False,
        "is_enterprise_install": False,
    }
    return _interactive_body(payload)


# ----- Events API (JSON bodies) -------------------------------------------------------------------------


def event_callback(
    event: Mapping[str, Any],
    event_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
    event_time: int | None = None,
) -> str:
    """JSON body of an Events API delivery wrapping ``event``. Re-use ``event_id`` to model a retry."""
    envelope = {
        "token": "verification-token-unused",
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": secrets.token_hex(8),
        "event": dict(event),
    }
    return json.dumps(envelope)


def url_verification(challenge: str) -> str:
    """JSON body of the one-off Request URL check; the app must echo ``challenge``."""
    return json.dumps(
        {"token": "verification-token-unused", "challenge": challenge, "type": "url_verification"}
    )


def message_event(
    text: str,
    user_id: str = "U111",
    channel_id: str = "C111",
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    channel_type: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
) -> dict[str, Any]:
    """A ``message`` event: a DM (``channel_type`` ``im``, inferred from a ``D…`` channel), a channel
    message, or a thread reply when ``thread_ts`` is the parent's ts. ``bot_id`` marks a bot's own post."""
    ts = ts or _fresh_ts()
    inferred = {"D": "im", "G": "group"}.get(channel_id[:1], "channel")
    event: dict[str, Any] = {
        "type": "message",
        "user": user_id,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel": channel_id,
        "channel_type": channel_type or inferred,
        "team": TEAM_ID,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": secrets.token_hex(2),
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
    }
    if bot_id is None:
        event["client_msg_id"] = secrets.token_hex(16)
    else:
        event["bot_id"] = bot_id
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id or BOT_USER_ID
    if subtype is not None:
        event["subtype"] = subtype
    return event


def app_mention_event(
    text: str,
    user_id: str = "U111",
    channel_id: str = "C111",
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An ``app_mention`` event; ``text`` should contain ``<@UBOT>`` like Slack's does."""
    ts = ts or _fresh_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user_id,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel": channel_id,
        "team": TEAM_ID,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(
    user_id: str = "U111", *, tab: str = "home", view: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """An ``app_home_opened`` event (also fired for ``tab="messages"``, which apps should ignore)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": f"D{user_id}",
        "tab": tab,
        "event_ts": _fresh_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event


# ----- signing and sending ------------------------------------------------------------------------------


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """``X-Slack-Request-Timestamp`` / ``X-Slack-Signature`` headers for ``body`` (``timestamp``: now)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    if signature is None:  # only when timestamp is None, which cannot happen here
        raise ValueError("could not sign the request body")
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


class SignedPostResult(NamedTuple):
    """What our endpoint answered (a tuple: ``status, headers, body, elapsed_s``)."""

    status: int
    headers: dict[str, str]
    body: str
    elapsed_s: float


def post_signed(
    url: str,
    body: str,
    content_type: str,
    secret: str,
    *,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    extra_headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> SignedPostResult:
    """POST ``body`` to ``url`` the way Slack does, and return the answer (HTTP errors included).

    ``retry_num`` adds ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` like an Events API redelivery.
    Proxies are disabled explicitly, so ``HTTP(S)_PROXY`` in the environment cannot hijack 127.0.0.1.
    """
    headers = {"Content-Type": content_type, **sign(body, secret, timestamp)}
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason})
    headers.update(extra_headers or {})
    request = Request(url, data=body.encode("utf-8"), method="POST", headers=headers)
    opener = build_opener(ProxyHandler({}))
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as response:
            status, answer_headers, raw = response.status, dict(response.headers.items()), response.read()
    except HTTPError as error:
        status, answer_headers, raw = error.code, dict(error.headers.items()), error.read()
    elapsed = time.perf_counter() - started
    return SignedPostResult(status, answer_headers, raw.decode("utf-8", errors="replace"), elapsed)
