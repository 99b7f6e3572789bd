"""Modals and the Home tab: ``views.open``/``push``/``update``/``publish`` and trigger ids.

Rules:
- A ``trigger_id`` works once (``exchanged_trigger_id`` on reuse). Tests that want expiry call
  `TriggerRegistry.expire_after` (Slack: 3 s) and get ids from `TriggerRegistry.issue`; an id used
  after that long by the fake's clock is ``expired_trigger_id``. Ids the fake never issued are accepted
  once (payload builders invent them) unless ``require_issued`` is set → ``invalid_trigger_id``.
- A modal stack holds at most 3 views: the 3rd ``views.push`` (4th view) is ``push_limit_reached``.
  ``views.push`` goes onto the stack of the view the trigger was issued for, else the most recently
  opened modal; with no modal open it is ``not_found`` (emulator choice; Slack needs a modal trigger).
- ``views.update``/``views.publish`` with a stale ``hash`` → ``hash_conflict``; unknown view → ``not_found``.
- Every view is validated (`slack_blocks.validate_view`) → ``invalid_blocks`` with ``errors``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.slack_blocks import validate_view
from tests.emulators.slack_directory import BotIdentity, Directory
from tests.emulators.slack_model import ApiCall, ApiError, Clock, MethodHandler

MAX_STACK_DEPTH = 3
SLACK_TRIGGER_LIFETIME_S = 3.0


@dataclass(frozen=True)
class Trigger:
    """A trigger id handed to the app in an inbound payload."""

    id: str
    issued_at: float
    view_id: str | None = None


class TriggerRegistry:
    """Issues trigger ids and enforces single use and (optionally) expiry."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._issued: dict[str, Trigger] = {}
        self._used: set[str] = set()
        self._counter = 0
        self.lifetime_s: float | None = None
        self.require_issued = False

    def expire_after(self, seconds: float = SLACK_TRIGGER_LIFETIME_S) -> None:
        """Opt in to expiry: issued triggers older than ``seconds`` answer ``expired_trigger_id``."""
        self.lifetime_s = seconds

    def issue(self, *, view_id: str | None = None) -> str:
        """A fresh trigger id stamped with the fake's clock; ``view_id`` ties a push to that modal."""
        self._counter += 1
        trigger = Trigger(
            f"{int(self._clock())}.{self._counter}.{secrets.token_hex(8)}", self._clock(), view_id
        )
        self._issued[trigger.id] = trigger
        return trigger.id

    def exchange(self, trigger_id: str | None) -> Trigger:
        """Use a trigger once, raising Slack's trigger errors."""
        if not trigger_id:
            raise ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]}
            )
        if trigger_id in self._used:
            raise ApiError("exchanged_trigger_id")
        trigger = self._issued.get(trigger_id)
        if trigger is None:
            if self.require_issued:
                raise ApiError("invalid_trigger_id")
            trigger = Trigger(trigger_id, self._clock())
        if self.lifetime_s is not None and self._clock() - trigger.issued_at > self.lifetime_s:
            raise ApiError("expired_trigger_id")
        self._used.add(trigger_id)
        return trigger


@dataclass
class StoredView:
    """A modal or Home view as the fake keeps it (latest payload plus earlier versions)."""

    id: str
    payload: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    user_id: str | None = None
    versions: list[dict[str, Any]] = field(default_factory=list)

    def to_api(self, identity: BotIdentity) -> dict[str, Any]:
        """Slack's view object as returned by the views.* methods."""
        return {
            "id": self.id,
            "team_id": identity.team_id,
            "type": self.payload.get("type"),
            "blocks": self.payload.get("blocks", []),
            "private_metadata": self.payload.get("private_metadata", ""),
            "callback_id": self.payload.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self.hash,
            "title": self.payload.get("title"),
            "close": self.payload.get("close"),
            "submit": self.payload.get("submit"),
            "clear_on_close": bool(self.payload.get("clear_on_close", False)),
            "notify_on_close": bool(self.payload.get("notify_on_close", False)),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": identity.app_id,
            "external_id": self.payload.get("external_id", ""),
            "app_installed_team_id": identity.team_id,
            "bot_id": identity.bot_id,
        }


class ViewStore:
    """Open modal stacks, Home tabs per user, and the views.* methods."""

    def __init__(self, directory: Directory, triggers: TriggerRegistry, clock: Clock) -> None:
        self._directory = directory
        self._triggers = triggers
        self._clock = clock
        self._counter = 0
        self.views: dict[str, StoredView] = {}
        self.stacks: list[list[str]] = []
        """Open modals, each a stack of view ids (root first), most recently opened last."""
        self.home_by_user: dict[str, str] = {}

    def close_modal(self, view_id: str) -> None:
        """The user closed (or finished) the modal containing ``view_id``: drop its whole stack."""
        self.stacks = [stack for stack in self.stacks if view_id not in stack]

    def methods(self) -> dict[str, MethodHandler]:
        """Method name → handler for the methods this store answers."""
        return {
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
        }

    def _new_hash(self) -> str:
        return f"{int(self._clock())}.{secrets.token_hex(4)}"

    def _valid_view(self, call: ApiCall, *, kind: str) -> dict[str, Any]:
        view = call.json_value("view", error="invalid_arguments")
        errors = validate_view(view)
        if errors:
            raise ApiError("invalid_blocks", errors=errors)
        if view.get("type") != kind:
            raise ApiError("invalid_arguments", errors=[f"view type must be {kind!r} for {call.method}"])
        return view

    def _create(self, payload: dict[str, Any], *, root: str | None, previous: str | None) -> StoredView:
        external_id = payload.get("external_id")
        if external_id and any(v.payload.get("external_id") == external_id for v in self.views.values()):
            raise ApiError("duplicate_external_id")
        self._counter += 1
        view_id = f"V{self._counter:08d}"
        view = StoredView(view_id, payload, self._new_hash(), root or view_id, previous)
        self.views[view_id] = view
        return view

    def views_open(self, call: ApiCall) -> dict[str, Any]:
        """Open a modal as a new stack (trigger exchanged once)."""
        payload = self._valid_view(call, kind="modal")
        self._triggers.exchange(call.text("trigger_id") or call.text("interactivity_pointer"))
        view = self._create(payload, root=None, previous=None)
        self.stacks.append([view.id])
        return {"view": view.to_api(self._directory.identity)}

    def views_push(self, call: ApiCall) -> dict[str, Any]:
        """Push onto an open modal stack (``push_limit_reached`` beyond 3 views)."""
        payload = self._valid_view(call, kind="modal")
        trigger = self._triggers.exchange(call.text("trigger_id") or call.text("interactivity_pointer"))
        stack = next((s for s in self.stacks if trigger.view_id in s), None) if trigger.view_id else None
        if stack is None:
            if not self.stacks:
                raise ApiError("not_found", detail="views.push needs an open modal")
            stack = self.stacks[-1]
        if len(stack) >= MAX_STACK_DEPTH:
            raise ApiError("push_limit_reached")
        view = self._create(payload, root=stack[0], previous=stack[-1])
        stack.append(view.id)
        return {"view": view.to_api(self._directory.identity)}

    def views_update(self, call: ApiCall) -> dict[str, Any]:
        """Replace a view's content by ``view_id`` or ``external_id`` (``hash`` guards against races)."""
        view_id, external_id = call.text("view_id"), call.text("external_id")
        view = self.views.get(view_id or "") or next(
            (v for v in self.views.values() if external_id and v.payload.get("external_id") == external_id),
            None,
        )
        if view is None:
            raise ApiError("not_found")
        payload = self._valid_view(call, kind=view.payload.get("type", "modal"))
        self._apply(view, payload, call.text("hash"))
        return {"view": view.to_api(self._directory.identity)}

    def views_publish(self, call: ApiCall) -> dict[str, Any]:
        """Create or replace ``user_id``'s Home tab."""
        user = self._directory.require_user(call.text("user_id"))
        payload = self._valid_view(call, kind="home")
        existing = self.views.get(self.home_by_user.get(user.id, ""))
        if existing is None:
            existing = self._create(payload, root=None, previous=None)
            existing.user_id = user.id
            self.home_by_user[user.id] = existing.id
        else:
            self._apply(existing, payload, call.text("hash"))
        return {"view": existing.to_api(self._directory.identity)}

    def _apply(self, view: StoredView, payload: dict[str, Any], expected_hash: str | None) -> None:
        if expected_hash and expected_hash != view.hash:
            raise ApiError("hash_conflict")
        view.versions.append(view.payload)
        view.payload = payload
        view.hash = self._new_hash()
