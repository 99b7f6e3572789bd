"""Satisfaction surveys (满意度调查): signed, single-use, expiring links and the answers they bring.

How other features ask for a survey: call `create_survey_link` inside their unit of work with the customer,
optionally a contact, an order id, and a generic `SourceRef` (``SourceRef("ticket", 42)``) naming what the
survey is about; the answer keeps the same reference (`Satisfaction.source_kind` / `source_id`), so the
feature can find the answers to its own surveys. Access is the caller's business: check that the asker may
change the customer before creating a link for it.

A link is ``<public address>/s/<token>``; the token is ``<invite id>.<expiry, base 36>.<signature>``, the
signature an HMAC-SHA256 with the server secret (`app_secret`, made once and shared by every replica) over
the invite's id, tenant, customer, contact, expiry and a random nonce stored with the invite. A token whose
signature does not match is refused before anything is written; expiry and single use are checked against
the stored invite, and single use is enforced by one conditional UPDATE plus a unique index on the answer.

The web page (served by the adapters' HTTP server) calls `open_survey` to draw the form and `answer_survey`
to store the answer; both open their own unit of work, like `bot.conversation` does for adapters.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.render import Markdown, pick_language, t
from config.settings import Settings
from storage.models import AppSecret, AuditLog, Contact, Customer, FollowUp, Satisfaction, SurveyInvite, User
from storage.uow import run_in_transaction, unit_of_work, write_first

SURVEY_PATH = "/s/"  # the page of a link: SURVEY_PATH + token
SECRET_NAME = "survey_links"
MAX_COMMENT_CHARS = 1000
SCALES = {"five": (1, 5), "nps": (0, 10)}
# Digits, lower-case letters and dots only: nothing a chat's markdown rewrites (Slack turns "_" into a look-alike).
_TOKEN = re.compile(r"^(\d{1,12})\.([0-9a-z]{1,10})\.([0-9a-f]{32})$")
_SOURCE_KIND = re.compile(r"^[a-z][a-z_]{0,23}$")


@dataclass(frozen=True)
class SourceRef:
    """What a survey is about beyond the customer, contact and order: ``SourceRef("ticket", 42)``."""

    kind: str
    id: int

    def __post_init__(self) -> None:
        if not _SOURCE_KIND.match(self.kind):
            raise ValueError(f"a source kind is a lower-case word of at most 24 letters, not {self.kind!r}")


@dataclass(frozen=True)
class SurveyLink:
    """A link made by `create_survey_link`: what to send the customer, and until when it works."""

    invite_id: int
    token: str
    url: str
    expires_at: datetime
    scale: str
    lang: str


@dataclass(frozen=True)
class SurveyForm:
    """What the survey page shows for a valid, unanswered link."""

    invite_id: int
    customer_name: str
    contact_name: str | None
    scale: str
    lang: str

    @property
    def scores(self) -> range:
        """The scores the page offers, lowest first."""
        low, high = SCALES[self.scale]
        return range(low, high + 1)


@dataclass(frozen=True)
class SurveyAnswer:
    """A stored answer, as the thank-you page and tests see it."""

    satisfaction_id: int
    followup_id: int
    score: int
    low: bool
    lang: str


class SurveyRefused(Exception):
    """The link cannot be answered: `reason` is ``invalid`` (unknown or tampered), ``used`` or ``expired``.

    `lang` is the link's language when the link was genuine (else None: the page picks the default).
    """

    def __init__(self, reason: str, lang: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lang = lang


class SurveyInputError(Exception):
    """The submitted form is not an answer (no score, a score off the scale, a comment too long)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---- the secret and the signature -------------------------------------------------------------------------


def signing_secret(session: Session) -> bytes:
    """The survey signing key, created on first use (a concurrent first use keeps whichever row won)."""
    found = session.get(AppSecret, SECRET_NAME)
    if found is None:
        try:
            with session.begin_nested():
                session.add(AppSecret(name=SECRET_NAME, value=secrets.token_hex(32)))
        except IntegrityError:
            pass
        found = session.get(AppSecret, SECRET_NAME, populate_existing=True)
        assert found is not None
    return found.value.encode()


@lru_cache(maxsize=16)
def _cached_secret(engine: Engine) -> bytes:
    with unit_of_work(engine) as session:
        return signing_secret(session)


def _expiry_stamp(invite: SurveyInvite) -> int:
    expires = invite.expires_at if invite.expires_at.tzinfo else invite.expires_at.replace(tzinfo=UTC)
    return int(expires.timestamp())


def _signature(secret: bytes, invite: SurveyInvite) -> str:
    message = "|".join(str(part) for part in (
        invite.id, invite.tenant, invite.customer_id, invite.contact_id or "", _expiry_stamp(invite), invite.nonce,
    ))
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:32]  # 128 bits


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"


def token_of(secret: bytes, invite: SurveyInvite) -> str:
    """The token of `invite` (the last part of its link)."""
    return f"{invite.id}.{_base36(_expiry_stamp(invite))}.{_signature(secret, invite)}"


def _genuine(session: Session, secret: bytes, token: str) -> SurveyInvite:
    """The invite `token` was made for, or `SurveyRefused("invalid")` for anything else."""
    match = _TOKEN.match(token or "")
    if not match:
        raise SurveyRefused("invalid")
    invite = session.get(SurveyInvite, int(match[1]))
    if invite is None or not hmac.compare_digest(token_of(secret, invite), token):
        raise SurveyRefused("invalid")
    return invite


def csrf_value(engine: Engine, token: str, nonce: str) -> str:
    """The form field that proves a submission comes from the page drawn for `token` in this browser
    (`nonce` is the browser's cookie): an HMAC, so nobody can compute it for another browser."""
    message = f"csrf|{token}|{nonce}".encode()
    return hmac.new(_cached_secret(engine), message, hashlib.sha256).hexdigest()[:32]


def csrf_matches(engine: Engine, token: str, nonce: str, submitted: str) -> bool:
    """Whether `submitted` is the form field `csrf_value` gave this browser (`nonce`) for `token`."""
    if not nonce or not submitted:
        return False
    return hmac.compare_digest(csrf_value(engine, token, nonce), submitted)


# ---- making a link ----------------------------------------------------------------------------------------


def create_survey_link(
    session: Session,
    *,
    settings: Settings,
    creator: User,
    customer: Customer,
    now: datetime,
    contact: Contact | None = None,
    order_id: int | None = None,
    source: SourceRef | None = None,
    lang: str | None = None,
) -> SurveyLink:
    """Make a survey link for `customer` (and `contact`), valid for ``surveys.expire_days``.

    The page's language is `lang`, else the contact's greeting language, else the configured default; the
    scale is ``surveys.scale`` at the time the link is made (a later change does not alter sent links).
    The caller checks access and commits with its unit of work.
    """
    if contact is not None and contact.customer_id != customer.id:
        raise ValueError("the contact belongs to another customer")
    language = pick_language(lang or (contact.greeting_language if contact else None) or settings.defaults.language)
    invite = SurveyInvite(
        tenant=customer.tenant, customer_id=customer.id, contact_id=contact.id if contact else None,
        order_id=order_id, source_kind=source.kind if source else None, source_id=source.id if source else None,
        nonce=secrets.token_hex(8), scale=settings.surveys.scale, lang=language, created_by=creator.id,
        created_at=now, expires_at=(now + timedelta(days=settings.surveys.expire_days)).replace(microsecond=0),
    )
    session.add(invite)
    session.flush()
    token = token_of(signing_secret(session), invite)
    return SurveyLink(invite_id=invite.id, token=token, url=f"{settings.public_base_url}{SURVEY_PATH}{token}",
                      expires_at=invite.expires_at, scale=invite.scale, lang=invite.lang)


# ---- the page ---------------------------------------------------------------------------------------------


def _usable(session: Session, invite: SurveyInvite, now: datetime) -> Customer:
    customer = session.get(Customer, invite.customer_id)
    if customer is None or customer.deleted_at is not None:
        raise SurveyRefused("invalid", invite.lang)
    if invite.answered_at is not None:
        raise SurveyRefused("used", invite.lang)
    if _aware(invite.expires_at) <= now:
        raise SurveyRefused("expired", invite.lang)
    return customer


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_survey(engine: Engine, token: str, *, now: datetime) -> SurveyForm:
    """The form for `token`; `SurveyRefused` when it is unknown, tampered, answered or expired."""
    secret = _cached_secret(engine)
    with unit_of_work(engine, write=False) as session:
        invite = _genuine(session, secret, token)
        customer = _usable(session, invite, now)
        contact = session.get(Contact, invite.contact_id) if invite.contact_id else None
        return SurveyForm(invite_id=invite.id, customer_name=customer.name,
                          contact_name=contact.name if contact and contact.deleted_at is None else None,
                          scale=invite.scale, lang=invite.lang)


def parse_score(text: str | None, scale: str) -> int:
    """The score typed into the form, within `scale`; `SurveyInputError` otherwise."""
    value = (text or "").strip()
    if not value:
        raise SurveyInputError("no_score")
    if not (value.isascii() and value.isdigit()) or len(value) > 2:
        raise SurveyInputError("bad_score")
    low, high = SCALES[scale]
    score = int(value)
    if not low <= score <= high:
        raise SurveyInputError("bad_score")
    return score


def answer_survey(engine: Engine, settings: Settings, token: str, *, score_text: str | None,
                  comment: str | None, now: datetime) -> SurveyAnswer:
    """Store the answer to `token`: the score, a follow-up (kind ``survey``) by the rep who sent the link, an
    audit entry, and for a low score a next step "回访" for the owner when the customer has no open step
    (the alert itself is enqueued by the next tick, see `bot.notifications.survey_alerts`).

    `SurveyRefused` for a link that cannot be answered (nothing is stored), `SurveyInputError` for a form
    that is not an answer. Two submissions at once: the conditional UPDATE lets exactly one through.
    """
    secret = _cached_secret(engine)
    text = (comment or "").strip() or None
    if text is not None and len(text) > MAX_COMMENT_CHARS:
        raise SurveyInputError("comment_too_long")

    def work(session: Session) -> SurveyAnswer:
        invite = _genuine(session, secret, token)
        customer = _usable(session, invite, now)
        score = parse_score(score_text, invite.scale)
        claimed = session.execute(
            update(SurveyInvite)
            .where(SurveyInvite.id == invite.id, SurveyInvite.answered_at.is_(None), SurveyInvite.expires_at > now)
            .values(answered_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # answered (or expired) between the read and now: a concurrent submission won
            raise SurveyRefused("used", invite.lang)
        return _store(session, settings, invite, customer, score, text, now)

    return run_in_transaction(engine, work)


def _store(session: Session, settings: Settings, invite: SurveyInvite, customer: Customer, score: int,
           comment: str | None, now: datetime) -> SurveyAnswer:
    owner = session.get(User, customer.owner_id)
    owner_tz = ZoneInfo((owner.timezone if owner else None) or settings.defaults.timezone)
    owner_lang = pick_language((owner.language if owner else None) or settings.defaults.language)
    morning = owner.morning_hour if owner and owner.morning_hour is not None else settings.defaults.morning_hour
    low = score <= settings.surveys.low_threshold(invite.scale)
    top = SCALES[invite.scale][1]
    followup = FollowUp(
        customer_id=customer.id, author_id=invite.created_by, kind="survey",
        text=str(t("surveys:followup_text", owner_lang, score=score, top=top,
                   comment=Markdown(comment) if comment else None)),
        happened_at=now, source_platform="web", created_at=now,
    )
    values: dict[str, object] = {"last_contact_at": now, "updated_at": now}
    # The customer's row first: a concurrent `log next:` queues on it, so the one-open-step rule holds.
    write_first(session, customer, values)
    has_open_step = session.exec(
        select(FollowUp.id).where(FollowUp.customer_id == customer.id, FollowUp.done_at.is_(None),
                                  FollowUp.next_due_at.is_not(None), FollowUp.deleted_at.is_(None)).limit(1)
    ).first() is not None
    if low and not has_open_step:
        # The call-back is due the owner's next morning: a step due "now" would also push as overdue at once.
        tomorrow = now.astimezone(owner_tz).date() + timedelta(days=1)
        followup.next_step = str(t("surveys:call_back_step", owner_lang))
        followup.next_due_date = tomorrow
        followup.next_due_at = datetime.combine(tomorrow, time(morning), tzinfo=owner_tz).astimezone(UTC)
        followup.next_due_has_time = False
        write_first(session, customer, {"next_followup_at": followup.next_due_at, "next_step": followup.next_step})
    session.add(followup)
    session.flush()
    answer = Satisfaction(
        customer_id=customer.id, followup_id=followup.id, order_id=invite.order_id, invite_id=invite.id,
        contact_id=invite.contact_id, scale=invite.scale, low=low, source_kind=invite.source_kind,
        source_id=invite.source_id, answered_on=now.astimezone(owner_tz).date(), score=score, comment=comment,
        created_by=invite.created_by, created_at=now,
    )
    session.add(answer)
    session.flush()
    session.add(AuditLog(tenant=customer.tenant, user_id=None, platform="web", action="create",
                         entity="satisfaction", entity_id=answer.id, at=now,
                         after=_json({"customer_id": customer.id, "score": score, "scale": invite.scale,
                                      "invite_id": invite.id, "comment": comment})))
    return SurveyAnswer(satisfaction_id=answer.id, followup_id=followup.id, score=score, low=low, lang=invite.lang)


def _json(values: dict[str, object]) -> str:
    import json

    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)


# ---- what the card and reports show -----------------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionSummary:
    """A customer's latest answer, the one before it (for the trend) and how many there are."""

    latest: int
    scale: str
    previous: int | None
    count: int
    answered_at: datetime

    @property
    def top(self) -> int:
        return SCALES[self.scale][1]


SUMMARY_ANSWERS = 20  # the latest answers a card's satisfaction line looks at


def latest_answers(customer_id: int):
    """The statement of a customer's latest answers (score, scale, created_at), newest first."""
    return (select(Satisfaction.score, Satisfaction.scale, Satisfaction.created_at)
            .where(Satisfaction.customer_id == customer_id)
            .order_by(Satisfaction.created_at.desc(), Satisfaction.id.desc())
            .limit(SUMMARY_ANSWERS))


def satisfaction_summary(session: Session, customer_id: int) -> SatisfactionSummary | None:
    """The card's satisfaction line: latest score and the trend against the previous answer on the same
    scale (one indexed read of the customer's latest answers)."""
    return summary_of(list(session.exec(latest_answers(customer_id)).all()))


def summary_of(rows: list) -> SatisfactionSummary | None:
    """`satisfaction_summary` from rows (score, scale, created_at) read newest first."""
    if not rows:
        return None
    latest = rows[0]
    previous = next((row.score for row in rows[1:] if row.scale == latest.scale), None)
    return SatisfactionSummary(latest=latest.score, scale=latest.scale, previous=previous, count=len(rows),
                               answered_at=latest.created_at)
