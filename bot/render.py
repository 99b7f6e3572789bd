"""Rendering replies with jinja2 templates per language (bot/templates/<lang>/).

Every ``{{ value }}`` is escaped for core markdown automatically (user text can never bold, link or ping);
template authors mark already-rendered markdown with `Markdown(...)` to pass it through.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.labels import field_label, value_label

LANGUAGES = ("zh", "en")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>|#])")


class Markdown(str):
    """A string that is already core markdown and must not be escaped again."""


def escape_md(value: object) -> str:
    """Escape user text so that it renders literally in core markdown."""
    if isinstance(value, Markdown):
        return value
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def unescape_md(text: str) -> str:
    """Undo `escape_md` (for plain-text renderers such as the terminal)."""
    return re.sub(r"\\(.)", r"\1", text)


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markdown | int | float):
        return value
    return escape_md(value)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared jinja2 environment (templates are compiled once per process)."""
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=False,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["md"] = lambda v: Markdown(v) if v is not None else Markdown("")
    # Chinese templates name fields and values through the one label table (bot/labels.py).
    env.tests["cjk"] = lambda value: bool(_CJK.search(str(value)))
    env.globals["field_label"] = field_label
    env.globals["value_label"] = value_label
    env.filters["field_labels"] = lambda names: "、".join(field_label(n.strip()) for n in str(names).split(",") if n.strip())
    env.filters["value_labels"] = lambda values, field: "、".join(
        dict.fromkeys(value_label(field, v.strip()) for v in str(values).split(",") if v.strip())
    )
    return env


def pick_language(lang: str | None) -> str:
    """A supported language code; anything else falls back to English."""
    return lang if lang in LANGUAGES else "en"


def render(template: str, lang: str, **context: Any) -> Markdown:
    """Render ``templates/<lang>/<template>.j2`` with `context`; the result is core markdown."""
    tpl = environment().get_template(f"{pick_language(lang)}/{template}.j2")
    return Markdown(tpl.render(lang=lang, **context).strip())


@lru_cache(maxsize=64)
def _messages(lang: str, catalog: str) -> Any:
    return environment().get_template(f"{lang}/{catalog}.j2").module


def _split_key(key: str) -> tuple[str, str]:
    catalog, sep, name = key.partition(":")
    return (catalog, name) if sep else ("messages", key)


def t(key: str, lang: str, **params: Any) -> Markdown:
    """One short localized message: the macro `key` of ``templates/<lang>/messages.j2``.

    ``"orders:created"`` names the macro ``created`` of ``templates/<lang>/orders.j2`` instead, so each
    feature keeps its messages in its own catalog.
    """
    catalog, name = _split_key(key)
    macro = getattr(_messages(pick_language(lang), catalog), name, None)
    if macro is None:
        raise KeyError(f"no message {key!r} for {lang}")
    return Markdown(str(macro(**params)).strip())


def has_message(key: str, lang: str = "en") -> bool:
    """Whether a message macro exists (used to validate UserError keys in tests)."""
    catalog, name = _split_key(key)
    return hasattr(_messages(pick_language(lang), catalog), name)
