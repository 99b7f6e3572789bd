"""The public survey page: ``GET /s/<token>`` draws the form, ``POST /s/<token>`` stores the answer.

No login: the signed token is the customer's only credential (`bot.services.surveys`). The page is plain
HTML that works on a phone (no script), in the link's language (``?lang=en`` / ``?lang=zh`` switches).

Hostile input gets a friendly page in the page's language and changes nothing: an unknown or tampered
token is a 404, an answered or expired one a 410, a form from elsewhere (no matching CSRF field and cookie,
or a foreign ``Origin``) a 403, a body over `MAX_FORM_BYTES` a 413 before it is read, an unusable form a
400 that shows the form again. A database failure is a 503 page with a reference id; tracebacks go to the
log only. Responses are never cached and send no referrer to other sites (the token is in the address).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, select_autoescape

from adapters.web.server import WsgiApp
from bot.errors import report_error
from bot.render import pick_language, t
from bot.services.surveys import (
    SURVEY_PATH,
    SurveyForm,
    SurveyInputError,
    SurveyRefused,
    answer_survey,
    csrf_matches,
    csrf_value,
    open_survey,
)

log = logging.getLogger("crmbot.web")

MAX_FORM_BYTES = 16_384  # a score and a 1000-character comment (percent-encoded CJK: 9 bytes a character)
COOKIE = "crm_survey"
_REFUSED_STATUS = {"invalid": "404 Not Found", "used": "410 Gone", "expired": "410 Gone"}
_HEADERS = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "same-origin"),  # the token is in the address: never sent to another site
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
]

_PAGE = """<!doctype html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d1d1f}
main{max-width:560px;margin:0 auto;padding:24px 16px}
h1{font-size:1.4em;margin:0 0 8px}
.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.who{color:#666;margin:0 0 16px}
.scores{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 4px}
.scores label{flex:1 0 40px;text-align:center;border:1px solid #ccd;border-radius:8px;padding:12px 0;font-size:1.1em;cursor:pointer}
.scores input{display:block;margin:0 auto 4px}
.ends{display:flex;justify-content:space-between;color:#666;font-size:.85em;margin-bottom:16px}
textarea{width:100%;box-sizing:border-box;min-height:110px;font:inherit;padding:8px;border:1px solid #ccd;border-radius:8px}
button{margin-top:16px;width:100%;padding:14px;font-size:1.1em;border:0;border-radius:8px;background:#1677ff;color:#fff}
.error{background:#fff1f0;border:1px solid #ffa39e;border-radius:8px;padding:10px;margin-bottom:12px}
.switch{text-align:right;font-size:.9em;margin-bottom:8px}
</style>
</head>
<body><main>
{% if switch_url %}<div class="switch"><a href="{{ switch_url }}" id="switch-language">{{ switch_label }}</a></div>{% endif %}
<div class="card">
<h1 id="title">{{ title }}</h1>
{% if form %}
<p class="who">{{ for_label }}: {{ form.customer_name }}{% if form.contact_name %} · {{ form.contact_name }}{% endif %}</p>
{% if error %}<div class="error" id="error" role="alert">{{ error }}</div>{% endif %}
<form method="post" action="{{ action }}" accept-charset="utf-8">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="lang" value="{{ lang }}">
<fieldset style="border:0;padding:0;margin:0">
<legend id="question">{{ question }}</legend>
<div class="scores">
{% for score in form.scores %}<label><input type="radio" name="score" value="{{ score }}" id="score-{{ score }}"{% if chosen == score|string %} checked{% endif %}>{{ score }}</label>
{% endfor %}</div>
<div class="ends"><span>{{ low_label }}</span><span>{{ high_label }}</span></div>
</fieldset>
<label for="comment">{{ comment_label }}</label>
<textarea id="comment" name="comment" maxlength="1000">{{ comment }}</textarea>
<button type="submit" id="send">{{ submit }}</button>
</form>
{% else %}
<p id="message">{{ message }}</p>
{% endif %}
</div>
</main></body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _ENV.from_string(_PAGE)


def _text(key: str, lang: str) -> str:
    # The page messages are plain sentences; the markdown escaping of chat messages does not apply here.
    return str(t(f"surveys:{key}", lang)).replace("\\", "")


def survey_pages(engine: Any, settings: Any, now: Callable[[], datetime]) -> WsgiApp:
    """The WSGI app of ``/s/<token>`` (anything else: a 404 page)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        method = environ.get("REQUEST_METHOD") or "GET"
        lang = _query_lang(environ) or pick_language(settings.defaults.language)
        if not path.startswith(SURVEY_PATH) or "/" in path[len(SURVEY_PATH):]:
            return _message(start_response, "404 Not Found", lang, "page_not_found", title_key="page_title")
        token = path[len(SURVEY_PATH):]
        try:
            if method in ("GET", "HEAD"):
                return _get(engine, environ, start_response, token, now())
            if method == "POST":
                return _post(engine, settings, environ, start_response, token, now())
            return _message(start_response, "405 Method Not Allowed", lang, "page_not_found",
                            extra=[("Allow", "GET, POST")])
        except SurveyRefused as refused:
            shown = _query_lang(environ) or _form_lang(environ) or refused.lang or lang
            return _message(start_response, _REFUSED_STATUS[refused.reason], shown, f"page_{refused.reason}")
        except Exception as exc:  # the database is down, or a bug: a page with a reference, the traceback logged
            reference = report_error(exc, {"path": SURVEY_PATH + "…", "method": method})
            return _message(start_response, "503 Service Unavailable", lang, "page_unavailable",
                            suffix=f" ({reference})")

    return app


def _query_lang(environ: dict[str, Any]) -> str | None:
    values = parse_qs(environ.get("QUERY_STRING") or "").get("lang")
    return values[0] if values and values[0] in ("zh", "en") else None


def _form_lang(environ: dict[str, Any]) -> str | None:
    value = environ.get("crmbot.form_lang")
    return value if value in ("zh", "en") else None


def _nonce(environ: dict[str, Any]) -> str | None:
    try:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE") or "")
    except CookieError:
        return None
    morsel = cookie.get(COOKIE)
    value = morsel.value if morsel is not None else ""
    return value if len(value) == 32 and value.isalnum() else None


def _secure(environ: dict[str, Any]) -> bool:
    return environ.get("wsgi.url_scheme") == "https" or environ.get("HTTP_X_FORWARDED_PROTO") == "https"


def _get(engine: Any, environ: dict[str, Any], start_response: Callable[..., Any], token: str,
         now: datetime) -> Iterable[bytes]:
    form = open_survey(engine, token, now=now)
    lang = _query_lang(environ) or form.lang
    return _form_page(engine, environ, start_response, "200 OK", token, form, lang)


def _form_page(engine: Any, environ: dict[str, Any], start_response: Callable[..., Any], status: str, token: str,
               form: SurveyForm, lang: str, *, error: str | None = None, chosen: str = "",
               comment: str = "") -> Iterable[bytes]:
    nonce = _nonce(environ)
    headers = []
    if nonce is None:
        nonce = secrets.token_hex(16)
        flags = "; Secure" if _secure(environ) else ""
        headers.append(("Set-Cookie", f"{COOKIE}={nonce}; Path={SURVEY_PATH}; HttpOnly; SameSite=Strict{flags}"))
    other = "en" if lang == "zh" else "zh"
    body = _TEMPLATE.render(
        lang=lang, form=form, title=_text("page_title", lang), for_label=_text("page_for", lang),
        question=_text(f"page_question_{form.scale}", lang), low_label=_text(f"page_low_{form.scale}", lang),
        high_label=_text(f"page_high_{form.scale}", lang), comment_label=_text("page_comment", lang),
        submit=_text("page_submit", lang), csrf=csrf_value(engine, token, nonce), action=SURVEY_PATH + token,
        error=error, chosen=chosen, comment=comment, switch_url=f"{SURVEY_PATH}{token}?lang={other}",
        switch_label=_text("page_other_language", lang),
    )
    return _respond(start_response, status, body, headers)


def _post(engine: Any, settings: Any, environ: dict[str, Any], start_response: Callable[..., Any], token: str,
          now: datetime) -> Iterable[bytes]:
    lang = _query_lang(environ) or pick_language(settings.defaults.language)
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    if not raw_length.isdigit():
        return _message(start_response, "411 Length Required", lang, "page_too_large")
    if int(raw_length) > MAX_FORM_BYTES:
        return _message(start_response, "413 Content Too Large", lang, "page_too_large")
    body = environ["wsgi.input"].read(int(raw_length)) if int(raw_length) else b""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return _message(start_response, "400 Bad Request", lang, "page_bad_score")
    field = {name: values[0] for name, values in fields.items() if values}
    lang = field["lang"] if field.get("lang") in ("zh", "en") else lang
    environ["crmbot.form_lang"] = lang
    form = open_survey(engine, token, now=now)  # refused links answer 404 / 410 before the CSRF check
    if not _same_origin(environ, settings) or not csrf_matches(engine, token, _nonce(environ) or "",
                                                               field.get("csrf", "")):
        log.info("refused a survey submission without a valid form token")
        return _message(start_response, "403 Forbidden", lang, "page_expired_form")
    try:
        answer_survey(engine, settings, token, score_text=field.get("score"), comment=field.get("comment"), now=now)
    except SurveyInputError as bad:
        return _form_page(engine, environ, start_response, "400 Bad Request", token, form, lang,
                          error=_text(f"page_{bad.reason}", lang), chosen=field.get("score", ""),
                          comment=field.get("comment", "")[:1000])
    return _message(start_response, "200 OK", lang, "page_thanks", title_key="page_thanks_title")


def _same_origin(environ: dict[str, Any], settings: Any) -> bool:
    """A browser's ``Origin`` (when sent) names this server: the Host it asked, or the public address.

    No ``Origin``, or the opaque ``null`` some privacy settings send, proves nothing either way: the form
    token and its SameSite cookie still have to match."""
    origin = environ.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return True
    host = urlsplit(origin).netloc.lower()
    allowed = {(environ.get("HTTP_HOST") or "").lower()}
    if settings.http.public_url:
        allowed.add(urlsplit(settings.http.public_url).netloc.lower())
    return host in allowed


def _message(start_response: Callable[..., Any], status: str, lang: str, key: str, *, title_key: str = "page_title",
             extra: list[tuple[str, str]] | None = None, suffix: str = "") -> Iterable[bytes]:
    lang = pick_language(lang)
    body = _TEMPLATE.render(lang=lang, form=None, title=_text(title_key, lang), message=_text(key, lang) + suffix,
                            switch_url=None)
    return _respond(start_response, status, body, extra or [])


def _respond(start_response: Callable[..., Any], status: str, body: str,
             headers: list[tuple[str, str]]) -> Iterable[bytes]:
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
                            *_HEADERS, *headers])
    return [data]
