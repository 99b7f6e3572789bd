"""Card-platform routes of the emulator: create, deliver, createAndDeliver, update and streaming.

Cards are stored in `state.cards` as `Card{template, data, openSpaceIds, updates}` so tests can assert
what a rep would see. Fidelity rule B7.5: every `cardParamMap` value must be a string.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.emulators.dingtalk_openapi import bad_body, check_token, read_json_object
from tests.emulators.dingtalk_state import Card, EmulatorState, error_response, json_response

OPEN_SPACE_PREFIX = "dtv1.card//"
SPACE_TYPES = ("IM_GROUP", "IM_ROBOT", "IM_SINGLE", "ONE_BOX", "COOPERATION_FEED", "TOP")


def param_map_problem(card_data: Any, *, required: bool) -> str | None:
    """Why `cardData` is unacceptable, or None. `cardParamMap` must map names to *strings*."""
    if card_data is None and not required:
        return None
    if not isinstance(card_data, dict) or not isinstance(card_data.get("cardParamMap"), dict):
        return "cardData.cardParamMap must be an object"
    not_strings = sorted(k for k, v in card_data["cardParamMap"].items() if not isinstance(v, str))
    if not_strings:
        return f"cardParamMap values must be strings (JSON-encode them); not strings: {', '.join(not_strings)}"
    return None


def parse_open_space_id(open_space_id: Any) -> list[tuple[str, str]] | None:
    """`dtv1.card//IM_GROUP.cid…;IM_ROBOT.user` -> [(spaceType, spaceId)], or None when malformed."""
    if not isinstance(open_space_id, str) or not open_space_id.startswith(OPEN_SPACE_PREFIX):
        return None
    spaces = []
    for part in open_space_id[len(OPEN_SPACE_PREFIX):].split(";"):
        space_type, dot, space_id = part.partition(".")
        if space_type not in SPACE_TYPES or not dot or not space_id:
            return None
        spaces.append((space_type, space_id))
    return spaces


class CardApi:
    """The `/v1.0/card/*` routes."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def register(self, app: web.Application) -> None:
        """Add the card routes to the emulator app."""
        app.router.add_post("/v1.0/card/instances", self.create)
        app.router.add_post("/v1.0/card/instances/deliver", self.deliver)
        app.router.add_post("/v1.0/card/instances/createAndDeliver", self.create_and_deliver)
        app.router.add_put("/v1.0/card/instances", self.update)
        app.router.add_put("/v1.0/card/streaming", self.streaming)

    async def _authorised_body(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        """The JSON body, or an empty one with the failure to answer instead."""
        if denied := check_token(self.state, request):
            return {}, denied
        body = await read_json_object(request)
        return (body, None) if body is not None else ({}, bad_body())

    def _new_card(self, body: dict[str, Any]) -> Card | web.Response:
        out_track_id, template = body.get("outTrackId"), body.get("cardTemplateId")
        if not isinstance(out_track_id, str) or not out_track_id or not isinstance(template, str) or not template:
            return error_response(400, "param.invalid", "outTrackId and cardTemplateId are required")
        if out_track_id in self.state.cards:
            return error_response(400, "param.invalid", f"outTrackId {out_track_id!r} already exists")
        if problem := param_map_problem(body.get("cardData"), required=True):
            return error_response(400, "param.invalid", problem)
        private = body.get("privateData") or {}
        return Card(out_track_id=out_track_id, template_id=template,
                    data=dict(body["cardData"]["cardParamMap"]), callback_type=body.get("callbackType"),
                    private_data=private if isinstance(private, dict) else {})

    def _deliver_to(self, card: Card, body: dict[str, Any]) -> list[dict[str, Any]] | web.Response:
        spaces = parse_open_space_id(body.get("openSpaceId"))
        if spaces is None:
            return error_response(400, "param.invalid",
                                  f"openSpaceId must look like dtv1.card//IM_GROUP.<cid>, got {body.get('openSpaceId')!r}")
        card.open_space_ids.append(body["openSpaceId"])
        return [{"spaceType": t, "spaceId": i, "success": True, "carrierId": card.out_track_id} for t, i in spaces]

    async def create(self, request: web.Request) -> web.Response:
        """Create a card instance (step 1 of create_and_send_card)."""
        body, failure = await self._authorised_body(request)
        if failure:
            return failure
        card = self._new_card(body)
        if isinstance(card, web.Response):
            return card
        self.state.cards[card.out_track_id] = card
        self.state.notify()
        return json_response({"success": True, "result": card.out_track_id})

    async def deliver(self, request: web.Request) -> web.Response:
        """Deliver an existing card to an open space (step 2)."""
        body, failure = await self._authorised_body(request)
        if failure:
            return failure
        card = self.state.cards.get(str(body.get("outTrackId")))
        if card is None:
            return error_response(400, "card.notExist", f"card {body.get('outTrackId')!r} does not exist")
        results = self._deliver_to(card, body)
        if isinstance(results, web.Response):
            return results
        self.state.notify()
        return json_response({"success": True, "result": results})

    async def create_and_deliver(self, request: web.Request) -> web.Response:
        """Create and deliver in one call (`CardReplier.create_and_deliver_card`)."""
        body, failure = await self._authorised_body(request)
        if failure:
            return failure
        card = self._new_card(body)
        if isinstance(card, web.Response):
            return card
        results = self._deliver_to(card, body)
        if isinstance(results, web.Response):
            return results
        self.state.cards[card.out_track_id] = card
        self.state.notify()
        return json_response({"success": True, "result": {"outTrackId": card.out_track_id, "deliverResults": results}})

    async def update(self, request: web.Request) -> web.Response:
        """Update card data (merged by key when `cardUpdateOptions.updateCardDataByKey`)."""
        body, failure = await self._authorised_body(request)
        if failure:
            return failure
        card = self.state.cards.get(str(body.get("outTrackId")))
        if card is None:
            return error_response(400, "card.notExist", f"card {body.get('outTrackId')!r} does not exist")
        if problem := param_map_problem(body.get("cardData"), required=False):
            return error_response(400, "param.invalid", problem)
        options = body.get("cardUpdateOptions") or {}
        if "cardData" in body:
            new_data = dict(body["cardData"]["cardParamMap"])
            card.data = {**card.data, **new_data} if options.get("updateCardDataByKey") else new_data
        if isinstance(body.get("privateData"), dict):
            card.private_data.update(body["privateData"])
        card.updates.append({k: v for k, v in body.items() if k != "outTrackId"})
        self.state.notify()
        return json_response({"success": True, "result": True})

    async def streaming(self, request: web.Request) -> web.Response:
        """AI-card streaming update of one key."""
        body, failure = await self._authorised_body(request)
        if failure:
            return failure
        card = self.state.cards.get(str(body.get("outTrackId")))
        if card is None:
            return error_response(400, "card.notExist", f"card {body.get('outTrackId')!r} does not exist")
        key, content = body.get("key"), body.get("content")
        if not isinstance(key, str) or not isinstance(content, str):
            return error_response(400, "param.invalid", "streaming needs string key and content")
        card.data[key] = content if body.get("isFull", True) else card.data.get(key, "") + content
        card.updates.append({"streaming": True, **{k: v for k, v in body.items() if k != "outTrackId"}})
        self.state.notify()
        return json_response({"success": True, "result": True})
