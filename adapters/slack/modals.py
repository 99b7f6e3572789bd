"""The two modals — *Log follow-up* and *New customer* — and turning their submissions into commands.

A submission is run as the ordinary command text (`log #12 "…" kind:call next:2026-11-20 "…"`,
`new "…" phone:"…" force:yes`) through `Bot.handle` as the person who submitted, so a modal can never do
more than typing could. Values are quoted with `quote_value` so nothing a user writes in a field is read
as another option. What can be checked before running is reported inline, next to the field, with
``response_action: errors``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.slack.mrkdwn import to_mrkdwn, to_plain, to_plain_unescaped, truncate
from adapters.slack.platform import SLACK
from adapters.slack.texts import say
from bot.commands.quoting import UnquotableValue, quote_value
from bot.render import t
from bot.text.identity import normalize_email, normalize_phone

LOG_CALLBACK = "crm_log_followup"
NEW_CALLBACK = "crm_new_customer"
VALUE = "value"  # the action_id of every input element, so state reads as state[block]["value"]
KINDS = ("call", "visit", "message", "email", "meeting", "note")
NOTE_LIMIT = 3000
STEP_LIMIT = 200
ERROR_LIMIT = 1000
TITLE_LIMIT = SLACK.capabilities.max_title_chars
LABEL_LIMIT = SLACK.capabilities.max_label_chars
OPTION_LIMIT = SLACK.capabilities.max_option_chars

__all__ = ["UnquotableValue", "quote_value"]  # re-exported: forms and threads quote values
def _text(value: str, limit: int = TITLE_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(to_plain(value), limit), "emoji": True}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _text(label, LABEL_LIMIT),
        "element": {"action_id": VALUE, **element},
        "optional": optional,
    }


def _modal(callback_id: str, title: str, lang: str, blocks: list[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title),
        "submit": _text(say("save", lang)),
        "close": _text(say("cancel", lang)),
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _text(label, OPTION_LIMIT), "value": value}


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON we put into ``private_metadata`` when opening the modal ({} if absent or foreign)."""
    try:
        value = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get(VALUE) or {}


def _state_text(view: dict[str, Any], block_id: str) -> str:
    return str(_state(view, block_id).get("value") or "").strip()


# -- log follow-up ----------------------------------------------------------------------------------------


def log_followup_view(*, ref: str, lang: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The *Log follow-up* modal for customer ``ref`` (``#12``); ``metadata`` travels to the submission."""
    kinds = [_option(to_plain_unescaped(t("kind_name", lang, kind=kind)), kind) for kind in KINDS]
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": to_mrkdwn(say("customer_ref", lang, ref=ref)),
                                          "verbatim": True}]},
        _input("kind", say("label_kind", lang), {"type": "static_select", "options": kinds, "initial_option": kinds[0]}),
        _input("note", say("label_note", lang),
               {"type": "plain_text_input", "multiline": True, "max_length": NOTE_LIMIT}),
        _input("next_date", say("label_next_date", lang), {"type": "datepicker"}, optional=True),
        _input("next_step", say("label_next_step", lang),
               {"type": "plain_text_input", "max_length": STEP_LIMIT}, optional=True),
    ]
    return _modal(LOG_CALLBACK, say("log_title", lang), lang, blocks, {**metadata, "ref": ref, "lang": lang})


@dataclass(frozen=True)
class LogForm:
    """A submitted *Log follow-up* modal."""

    kind: str
    note: str
    next_date: date | None
    next_step: str


def read_log_form(view: dict[str, Any]) -> LogForm:
    """The values of a submitted *Log follow-up* modal."""
    kind = str((_state(view, "kind").get("selected_option") or {}).get("value") or "note")
    raw_date = _state(view, "next_date").get("selected_date")
    try:
        next_date = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        next_date = None
    return LogForm(kind if kind in KINDS else "note", _state_text(view, "note"), next_date,
                   _state_text(view, "next_step"))


def log_form_errors(form: LogForm, *, today: date, lang: str) -> dict[str, str]:
    """Problems to show next to the fields (empty when the form can be run)."""
    errors: dict[str, str] = {}
    if not form.note:
        errors["note"] = say("note_required", lang)
    if form.next_step and form.next_date is None:
        errors["next_date"] = say("next_date_needed", lang)
    if form.next_date is not None and form.next_date < today:
        errors["next_date"] = say("date_in_past", lang)
    return {block: to_plain_unescaped(message) for block, message in errors.items()}


def log_command(ref: str, form: LogForm) -> str:
    """The `log` command a submitted form stands for (raises `UnquotableValue`)."""
    parts = ["log", ref, quote_value(form.note), f"kind:{form.kind}"]
    if form.next_date is not None:
        parts.append(f"next:{form.next_date.isoformat()}")
        if form.next_step:
            parts.append(quote_value(form.next_step))
    return " ".join(parts)


# -- new customer -----------------------------------------------------------------------------------------

NEW_FIELDS = (("phone", "label_phone", 40), ("email", "label_email", 200), ("industry", "label_industry", 80),
              ("region", "label_region", 80))


def new_customer_view(*, lang: str, metadata: dict[str, Any], name: str = "") -> dict[str, Any]:
    """The *New customer* modal (name required; phone, email, industry, region, notes optional)."""
    name_element: dict[str, Any] = {"type": "plain_text_input", "max_length": 200}
    if name:
        name_element["initial_value"] = name[:200]
    blocks = [_input("name", say("label_name", lang), name_element)]
    for key, label, limit in NEW_FIELDS:
        blocks.append(_input(key, say(label, lang), {"type": "plain_text_input", "max_length": limit}, optional=True))
    blocks.append(_input("notes", say("label_notes", lang),
                         {"type": "plain_text_input", "multiline": True, "max_length": NOTE_LIMIT}, optional=True))
    blocks.append(_input("force", say("label_force", lang),
                         {"type": "checkboxes", "options": [_option(say("force_option", lang), "yes")]}, optional=True))
    return _modal(NEW_CALLBACK, say("new_title", lang), lang, blocks, {**metadata, "lang": lang})


@dataclass(frozen=True)
class NewCustomerForm:
    """A submitted *New customer* modal."""

    name: str
    phone: str
    email: str
    industry: str
    region: str
    notes: str
    force: bool


def read_new_customer_form(view: dict[str, Any]) -> NewCustomerForm:
    """The values of a submitted *New customer* modal."""
    forced = any(o.get("value") == "yes" for o in _state(view, "force").get("selected_options") or [])
    return NewCustomerForm(
        name=_state_text(view, "name"),
        phone=_state_text(view, "phone"),
        email=_state_text(view, "email"),
        industry=_state_text(view, "industry"),
        region=_state_text(view, "region"),
        notes=_state_text(view, "notes"),
        force=forced,
    )


def new_customer_errors(form: NewCustomerForm, *, lang: str) -> dict[str, str]:
    """Field problems found without the database: a missing name, an unreadable phone or email."""
    errors: dict[str, str] = {}
    if not form.name:
        errors["name"] = t("name_required", lang)
    if form.phone and normalize_phone(form.phone) is None:
        errors["phone"] = t("bad_phone", lang, value=form.phone)
    if form.email and normalize_email(form.email) is None:
        errors["email"] = t("bad_email", lang, value=form.email)
    return {block: to_plain_unescaped(message) for block, message in errors.items()}


def new_customer_command(form: NewCustomerForm) -> str:
    """The `new` command a submitted form stands for, always with ``force:yes`` (duplicates were checked)."""
    parts = ["new", quote_value(form.name)]
    for key in ("phone", "email", "industry", "region", "notes"):
        value = getattr(form, key)
        if value:
            parts.append(f"{key}:{quote_value(value)}")
    parts.append("force:yes")
    return " ".join(parts)


def error_text(message: str) -> str:
    """A core or adapter message shortened to fit under a field."""
    return truncate(to_plain_unescaped(message).strip(), ERROR_LIMIT)


# -- log a message (the "Log to customer" message shortcut) ------------------------------------------------

LOG_MESSAGE_CALLBACK = "crm_log_message"  # the shortcut's callback id (manifest) and its modal's
CUSTOMER_PICKER = "crm_customer_pick"  # the external select's action id: Slack asks crmbot for its options
PICKER_OPTIONS = 20


def log_message_view(*, text: str, lang: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The *Log follow-up* modal for a message: a customer picker (searching like `find`), the message's
    text as the note (editable), kind and next step; ``metadata`` names the message (its link is recorded)."""
    kinds = [_option(to_plain_unescaped(t("kind_name", lang, kind=kind)), kind) for kind in KINDS]
    picker = {
        "type": "input",
        "block_id": "customer",
        "label": _text(say("label_customer", lang), SLACK.capabilities.max_label_chars),
        "element": {"type": "external_select", "action_id": CUSTOMER_PICKER, "min_query_length": 1,
                    "placeholder": _text(say("customer_placeholder", lang), 150)},
    }
    note: dict[str, Any] = {"type": "plain_text_input", "multiline": True, "max_length": NOTE_LIMIT}
    if text.strip():
        note["initial_value"] = text.strip()[:NOTE_LIMIT]
    blocks = [
        picker,
        _input("kind", say("label_kind", lang), {"type": "static_select", "options": kinds, "initial_option": kinds[0]}),
        _input("note", say("label_note", lang), note),
        _input("next_date", say("label_next_date", lang), {"type": "datepicker"}, optional=True),
        _input("next_step", say("label_next_step", lang),
               {"type": "plain_text_input", "max_length": STEP_LIMIT}, optional=True),
    ]
    return _modal(LOG_MESSAGE_CALLBACK, say("log_title", lang), lang, blocks, {**metadata, "lang": lang})


def picked_customer(view: dict[str, Any]) -> str:
    """The customer chosen in the picker, as ``#id`` ("" when none)."""
    values = ((view.get("state") or {}).get("values") or {}).get("customer", {})
    option = (values.get(CUSTOMER_PICKER) or {}).get("selected_option") or {}
    value = str(option.get("value") or "")
    return value if value.startswith("#") and value[1:].isdigit() else ""


def customer_options(choices: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """Picker options for customers found: ``Name (#12)``, value ``#12``."""
    return [_option(f"{name} (#{customer_id})", f"#{customer_id}") for customer_id, name in choices[:PICKER_OPTIONS]]
