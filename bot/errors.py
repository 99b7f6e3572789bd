"""The two kinds of error: user-facing ones replied verbatim, and everything else.

Everything else goes through one error hook shared by commands and scheduled jobs: it logs the traceback
once with a short reference id, and the user sees only that id.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("crmbot.errors")


class UserError(Exception):
    """A problem the user can fix; `key` names a localized message, `params` fill it in."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


ErrorListener = Callable[[BaseException, str, Mapping[str, Any]], None]
_listeners: list[ErrorListener] = []


def new_reference() -> str:
    """A short id a user can quote to an admin (``E-7K3Q9``), unique enough to grep logs for."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "E-" + "".join(secrets.choice(alphabet) for _ in range(6))


def add_error_listener(listener: ErrorListener) -> None:
    """Also call `listener(exc, ref, context)` for every reported error (metrics, alerting, tests)."""
    _listeners.append(listener)


def remove_error_listener(listener: ErrorListener) -> None:
    """Stop calling a listener added with `add_error_listener`."""
    if listener in _listeners:
        _listeners.remove(listener)


def report_error(exc: BaseException, context: Mapping[str, Any] | None = None) -> str:
    """The one error hook: log `exc` with its traceback once and return the reference id shown to users."""
    ref = new_reference()
    ctx = dict(context or {})
    log.error("unexpected error %s %s", ref, ctx, exc_info=(type(exc), exc, exc.__traceback__))
    for listener in list(_listeners):
        try:
            listener(exc, ref, ctx)
        except Exception:  # a broken listener must not hide the original error
            log.exception("error listener failed for %s", ref)
    return ref
