"""Interactive cards: a card template of our own (``dingtalk.card_template_id``), buttons updated in place.

When the config names a card template (designed in card.dingtalk.com and bound to the app), an answer that
carries a card is delivered as a card instance (``POST /v1.0/card/instances/createAndDeliver``, callback type
``STREAM``) instead of markdown. The template reads these string parameters (`card_params`):

- ``title``: the card's title (plain text); ``text``: the answer's own text; ``markdown``: the fields and
  sections as DingTalk markdown; ``status``: the outcome of the last click (empty at first);
- ``buttons``: a JSON list of ``{"text", "action", "style"}``; each button of the template is a 回传请求
  (callback) button sending ``{"action": <action>}`` as its params.

A click reaches the card topic (``/v1.0/card/instances/callback``): `CardCallbackHandler` ACKs at once (the
stream must never wait) and queues the click; the worker runs the button's action (an encoded
`bot.actions` value) as the person who clicked, and redraws the same card instance in place
(``PUT /v1.0/card/instances``): the answer's card when it carries one, and the answer's text as ``status``.
Without a template, cards stay markdown with quick links (`adapters.dingtalk.markdown`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import dingtalk_stream
from dingtalk_stream import AckMessage

from adapters.dingtalk.markdown import plain_title, render_card, to_dingtalk
from adapters.dingtalk.openapi import DingTalkApiError, DingTalkHttp
from adapters.dingtalk.platform import PLATFORM
from adapters.dingtalk.sender import delivery_error
from adapters.workers import KeyedWorkQueue, QueueClosedError
from bot.delivery import for_audience
from bot.dispatcher import Bot
from bot.errors import report_error
from bot.messages import Card, InboundKind, Incoming, Reply
from bot.render import escape_md, unescape_md

log = logging.getLogger("crmbot.dingtalk.interactive")

CARD_CALLBACK_TOPIC = "/v1.0/card/instances/callback"
CREATE_AND_DELIVER_PATH = "/v1.0/card/instances/createAndDeliver"
UPDATE_PATH = "/v1.0/card/instances"
GROUP_SPACE, ROBOT_SPACE = "IM_GROUP", "IM_ROBOT"


def card_params(reply: Reply, *, status: str = "") -> dict[str, str]:
    """The template's parameters for a reply with a card; every value a string, as the card platform requires."""
    card: Card = reply.card or Card(title="")
    buttons = [{"text": unescape_md(a.label), "action": a.click_value, "style": a.style or "normal"}
               for a in card.actions]
    heading = plain_title(escape_md(f"{unescape_md(card.title)} {card.subtitle}".strip()), limit=60) if card.title \
        else ""
    body = card.__class__(title="", fields=card.fields, sections=card.sections, footer=card.footer)
    return {
        "title": heading,
        "text": to_dingtalk(reply.text) if reply.text else "",
        "markdown": render_card(body, quick_actions=False),
        "status": status,
        "buttons": json.dumps(buttons, ensure_ascii=False),
    }


def out_track_id(*parts: str) -> str:
    """A card instance id of our own, stable for what it was made from (a redelivered answer reuses it)."""
    return "crm-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


class InteractiveCards:
    """Delivers card instances and redraws them (through our HTTP client: timeouts, status checks, retries)."""

    def __init__(self, http: DingTalkHttp, *, template_id: str, robot_code: str) -> None:
        self.http = http
        self.template_id = template_id
        self.robot_code = robot_code

    def deliver(self, track_id: str, reply: Reply, *, space_type: str, space_id: str,
                at_user: str | None = None) -> None:
        """Post the reply's card as a card instance into a group (``IM_GROUP``) or a DM (``IM_ROBOT``)."""
        body: dict[str, Any] = {
            "cardTemplateId": self.template_id,
            "outTrackId": track_id,
            "callbackType": "STREAM",
            "cardData": {"cardParamMap": card_params(reply)},
            "openSpaceId": f"dtv1.card//{space_type}.{space_id}",
            "userIdType": 1,
        }
        if space_type == GROUP_SPACE:
            body["imGroupOpenSpaceModel"] = {"supportForward": True}
            deliver: dict[str, Any] = {"robotCode": self.robot_code}
            if at_user:
                deliver["atUserIds"] = {at_user: at_user}
            body["imGroupOpenDeliverModel"] = deliver
        else:
            body["imRobotOpenSpaceModel"] = {"supportForward": True}
            body["imRobotOpenDeliverModel"] = {"spaceType": ROBOT_SPACE}
        try:
            self.http.call("POST", CREATE_AND_DELIVER_PATH, body)
        except DingTalkApiError as exc:
            raise delivery_error(exc, f"card delivery to {space_type}.{space_id}") from exc

    def redraw(self, track_id: str, params: dict[str, str]) -> None:
        """Replace the given parameters of a delivered card in place (the others stay)."""
        body = {"outTrackId": track_id, "cardData": {"cardParamMap": params},
                "cardUpdateOptions": {"updateCardDataByKey": True}}
        try:
            self.http.call("PUT", UPDATE_PATH, body)
        except DingTalkApiError as exc:
            raise delivery_error(exc, f"card update of {track_id}") from exc


@dataclass(frozen=True)
class CardClick:
    """One button press on one of our cards."""

    track_id: str
    user_id: str  # the clicker's staff id
    corp_id: str
    space_type: str
    space_id: str
    action: str  # the encoded action the button carries
    frame_id: str  # the stream frame's message id (a redelivered frame repeats it)

    @classmethod
    def from_payload(cls, data: dict[str, Any], frame_id: str) -> CardClick | None:
        """The click in a callback payload, or None when it names no user, card or action."""
        message = dingtalk_stream.CardCallbackMessage.from_dict(data)
        private = message.content.get("cardPrivateData") if isinstance(message.content, dict) else None
        params = (private or {}).get("params") or {}
        action = params.get("action") if isinstance(params, dict) else None
        if not (message.user_id and message.card_instance_id and isinstance(action, str) and action):
            return None
        # The SDK's parser drops spaceType / spaceId; they are read from the payload itself.
        return cls(track_id=message.card_instance_id, user_id=message.user_id, corp_id=message.corp_id,
                   space_type=str(data.get("spaceType") or ROBOT_SPACE), space_id=str(data.get("spaceId") or ""),
                   action=action, frame_id=frame_id)

    @property
    def in_group(self) -> bool:
        """Whether the card was clicked in a group (its redraw is seen by everyone there)."""
        return self.space_type == GROUP_SPACE and bool(self.space_id)

    def incoming(self) -> Incoming:
        """The click as the core's `Incoming`: the button's action, run as the person who clicked."""
        return Incoming(platform=PLATFORM, workspace=self.corp_id, user_id=self.user_id, text=self.action,
                        channel=self.space_id if self.in_group else self.user_id, is_direct=not self.in_group,
                        message_id=f"card:{self.frame_id}", kind=InboundKind.BUTTON)


class CardClickProcessor:
    """Runs a card click through the core and redraws the card with the outcome (on a worker thread)."""

    def __init__(self, bot: Bot, cards: InteractiveCards) -> None:
        self.bot = bot
        self.cards = cards

    def __call__(self, click: CardClick) -> None:
        """Process one click; never raises (errors are reported with a reference id)."""
        try:
            replies = self.bot.handle(click.incoming())
            if not replies:
                return  # a redelivered frame: the first delivery redrew the card
            status = "\n\n".join(to_dingtalk(r.text) for r in replies if r.text)
            drawn = next((r for r in replies if r.card is not None), None)
            params = {"status": status}
            if drawn is not None:
                shown = for_audience(drawn, seen_by_others=click.in_group)
                params = {**card_params(Reply(card=shown.card, lang=shown.lang)), "status": status}
                params.pop("text")
            self.cards.redraw(click.track_id, params)
        except Exception as exc:
            report_error(exc, {"platform": PLATFORM, "user": click.user_id, "card": click.track_id})


class CardCallbackHandler(dingtalk_stream.CallbackHandler):
    """Subscribed to the card topic: queues each click and ACKs at once (the redraw follows by API)."""

    def __init__(self, processor: CardClickProcessor, queue: KeyedWorkQueue) -> None:
        super().__init__()
        self.processor = processor
        self.queue = queue

    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, Any]:
        """Queue the click; 200 with an empty update at once, 500 while shutting down."""
        try:
            data = callback.data
            click = CardClick.from_payload(data, callback.headers.message_id or "") if isinstance(data, dict) else None
            if click is None:
                return AckMessage.STATUS_BAD_REQUEST, {}
            self.queue.submit((click.space_id, click.user_id), lambda: self.processor(click))
        except QueueClosedError:
            return AckMessage.STATUS_SYSTEM_EXCEPTION, {}
        except Exception as exc:
            report_error(exc, {"platform": PLATFORM, "stage": "card callback"})
            return AckMessage.STATUS_SYSTEM_EXCEPTION, {}
        return AckMessage.STATUS_OK, {}
