"""The two languages the calendar texts are written in, and how a caller's language tag maps onto them."""

from __future__ import annotations

from typing import Literal

TextLanguage = Literal["zh", "en"]


def text_language(lang: str) -> TextLanguage:
    """Map a language tag such as ``"zh"``, ``"zh-CN"``, ``"zh_Hans"`` or ``"en-US"`` to ``"zh"`` or ``"en"``.

    Raises ``ValueError`` for anything else: a greeting in the wrong language is worse than a clear error
    at the call site, so we never fall back silently.
    """
    primary = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    if primary == "zh":
        return "zh"
    if primary == "en":
        return "en"
    raise ValueError(f"unsupported language {lang!r}: expected a zh* or en* tag")
