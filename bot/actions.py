"""Clicks as data: every button, quick link and menu item is an action id with arguments, declared here once.

A click never carries English command text (``done #12``): it carries an `ActionRef` — the id of an
`ActionSpec` and its arguments — encoded by `ActionRef.encode` as ``⟦done?customer=12⟧``. Adapters put
that value wherever their platform lets a click carry data (a Slack button ``value`` or menu option, a
DingTalk card's callback params, the text a DingTalk ``dtmd://`` quick link makes the client send), and
give it back to the core unchanged in `Incoming.text`. `Bot.handle` finds the value (`find`), runs the
command it stands for as the person who clicked, and, because nobody typed it, keeps answering in that
person's language: a Chinese rep's *Done* click is answered in Chinese and leaves their language alone.

To add a button to a new feature:
1. declare it: ``declare(ActionSpec("deal_won", command="deal", arguments="#{deal} won", label="action_won"))``
   (`command` is the command's name; `arguments` a ``str.format`` template over the action's parameters);
2. put it on a card: ``button(lang, "deal_won", deal=7)`` returns the `CardAction`;
3. add the label's message (``action_won``) in both languages. Nothing in the adapters changes.

Old buttons that still carry a command (posted before this mechanism) keep working: a value that is not
an encoded action is run as the command it is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from bot.messages import CardAction
from bot.render import t

_OPEN, _CLOSE = "⟦", "⟧"
_ENCODED = re.compile(r"⟦([a-z][a-z0-9_]{0,39})(?:\?([^⟧\s]{0,1500}))?⟧")
_PLAIN_VALUE = re.compile(r"^[\w#.:-]+$")
MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class ActionSpec:
    """One kind of click: the command it runs, the arguments it takes, the label key and style of its button."""

    id: str
    command: str  # the command's name in the registry ("done")
    # ``str.format`` template of the command's arguments over the parameters ("#{customer}"); a mapping per
    # language when the arguments hold option keys ({"en": "{query} page:{page}", "zh": "{query} 页:{page}"}).
    arguments: str | Mapping[str, str] = ""
    label: str = ""  # message key of the button's label
    style: str | None = None  # "primary" | "danger" | None

    def template(self, lang: str = "en") -> str:
        """The arguments template as `lang` types it (English when the action has no other)."""
        if isinstance(self.arguments, str):
            return self.arguments
        return self.arguments.get(lang) or self.arguments["en"]

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter names the arguments template uses, in order."""
        return tuple(dict.fromkeys(re.findall(r"{(\w+)}", self.template())))


@dataclass(frozen=True)
class ActionRef:
    """A click: an action id and its arguments (strings)."""

    id: str
    args: tuple[tuple[str, str], ...] = ()

    def encode(self) -> str:
        """The value a button carries: ``⟦id?name=value&…⟧`` (URL-encoded, no spaces, one token)."""
        query = f"?{urlencode(self.args)}" if self.args else ""
        return f"{_OPEN}{self.id}{query}{_CLOSE}"

    def arg(self, name: str) -> str | None:
        """One argument's value."""
        return dict(self.args).get(name)


_registry: dict[str, ActionSpec] = {}
# Command name -> {language: the word a person of that language types}, learnt from the command registry.
_words: dict[str, dict[str, str]] = {}
_lock = threading.Lock()


def declare(spec: ActionSpec) -> ActionSpec:
    """Register an action (idempotent); another action under a taken id is an error."""
    with _lock:
        known = _registry.get(spec.id)
        if known is not None and known != spec:
            raise ValueError(f"action {spec.id!r} is declared twice, differently")
        _registry[spec.id] = spec
    return spec


def spec_of(action_id: str) -> ActionSpec | None:
    """The declared action called `action_id`, if any."""
    return _registry.get(action_id)


def learn_command_words(name: str, words: Mapping[str, str]) -> None:
    """Remember how a command is typed per language (called by the command registry for every command)."""
    with _lock:
        _words[name] = dict(words)


def ref(action_id: str, **args: object) -> ActionRef:
    """An `ActionRef` for a declared action; its arguments must be exactly the action's parameters."""
    spec = _registry.get(action_id)
    if spec is None:
        raise KeyError(f"undeclared action {action_id!r}")
    if set(args) != set(spec.params):
        raise ValueError(f"action {action_id!r} takes {spec.params}, got {tuple(args)}")
    return ActionRef(action_id, tuple((name, str(args[name])) for name in spec.params))


def decode(value: str) -> ActionRef | None:
    """The action an encoded value names, or None when it is not one (or names no declared action)."""
    match = _ENCODED.search(value or "")
    if match is None or match[1] not in _registry:
        return None
    spec = _registry[match[1]]
    pairs = parse_qsl(match[2] or "", keep_blank_values=True)
    args = dict(pairs)
    if set(args) != set(spec.params) or len(pairs) != len(args):
        return None
    if any(len(v) > MAX_VALUE_CHARS or "\n" in v for v in args.values()):
        return None
    return ActionRef(spec.id, tuple((name, args[name]) for name in spec.params))


def find(text: str) -> ActionRef | None:
    """The action inside a line (a quick link sends ``完成 ⟦done?customer=12⟧``), or None."""
    return decode(text) if _OPEN in (text or "") else None


def is_stale(text: str) -> bool:
    """Whether a line carries an encoded action that no longer reads (an undeclared id, changed parameters):
    a button from an older card, or a forged one, answered as such instead of being run as text."""
    return _OPEN in (text or "") and _ENCODED.search(text) is not None and find(text) is None


def command_text(action: ActionRef, lang: str = "en") -> str:
    """The command line `action` runs, typed as a person of `lang` would (``done #12`` / ``完成 #12``).

    The core runs the English form (command names are unique words); platforms without buttons show the
    person's own language form, which types exactly the same command.
    """
    spec = _registry[action.id]
    word = _words.get(spec.command, {}).get(lang) or spec.command
    values = {name: _literal(value) for name, value in action.args}
    return f"{word} {spec.template(lang).format(**values)}".strip()


def _literal(value: str) -> str:
    from bot.commands.quoting import quote_value  # here: bot.commands imports this module

    return value if _PLAIN_VALUE.match(value) else quote_value(value)


def button(lang: str, action_id: str, *, label: str | None = None, style: str | None = None,
           **args: object) -> CardAction:
    """The card button for a declared action in `lang`: its label, its typed command and its encoded value."""
    action = ref(action_id, **args)
    spec = _registry[action_id]
    return CardAction(action_id=action_id, label=label if label is not None else t(spec.label, lang),
                      command=command_text(action, lang), style=style or spec.style, value=action.encode())


# -- the built-in actions (cards, notifications, the Home tab, paged answers) ------------------------------

LOG = declare(ActionSpec("log", command="log", arguments="#{customer}", label="action_log", style="primary"))
DONE = declare(ActionSpec("done", command="done", arguments="#{customer}", label="action_done"))
SNOOZE = declare(ActionSpec("snooze", command="snooze", arguments="#{customer} 1d", label="action_snooze"))
PAUSE = declare(ActionSpec("pause", command="snooze", arguments="#{customer}",
                               label="notifications:action_pause"))
DETAILS = declare(ActionSpec("details", command="show", arguments="#{customer}", label="action_details"))
# A card's own Details button: the customer's follow-ups in full (the card shows their start).
FOLLOWUPS = declare(ActionSpec("followups", command="followups", arguments="#{customer}", label="action_details"))
NEW = declare(ActionSpec("new", command="new"))
HELP = declare(ActionSpec("help", command="help"))
FIND_PAGE = declare(ActionSpec("find_page", command="find", arguments={"en": "{query} page:{page}", "zh": "{query} 页:{page}"},
                               label="action_next_page"))
MORE = declare(ActionSpec("more", command="more", arguments="{screen} {command}", label="action_more"))
