"""Turning a claimed batch into send units: route each row, render it, apply the noise budget.

A unit is what one send covers: a single notice (a digest may be several pages), or, when one audience
has more than `max_pushes_per_tick` rollable notices in the batch, ONE summary: the first `SUMMARY_LINES`
of them listed line by line, the rest counted per kind, paged to the platform's limit. Rows that cannot go
out are returned as outcomes instead (dead with a reason, or a retry), so nothing is dropped without a trace.

Render what is sent: the batch's subjects are read with one query per kind (`catalog.load_subjects`), every
row is checked against its subject (obsolete rows become dead letters), and only what a message shows is
rendered: full notices for single sends, one line each for a summary's listed rows, nothing for the rows it
counts. So the work per batch follows the messages it sends, not the rows it delivers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from bot.errors import report_error
from bot.messages import Reply, Target
from bot.notifications import kinds
from bot.notifications.catalog import SubjectKey, check, is_rollable, kind_title, load_subjects, render_loaded
from bot.notifications.claim import ClaimedNotification
from bot.notifications.notices import ObsoleteNotification, RenderContext
from bot.notifications.routing import Recipient, UnroutableError, channel_target, dm_targets, load_recipients
from bot.platforms import capabilities_of
from bot.render import pick_language, t
from bot.text.paging import paginate
from config.settings import Settings
from storage.uow import unit_of_work

# Rows a summary lists line by line; the rest of the audience's rows are counted per kind. Twenty lines fit
# one Slack section; beyond that a list is read by nobody (`today` lists everything, by customer).
SUMMARY_LINES = 20


@dataclass
class SendUnit:
    """One message (or a few pages) for one target, standing for one or more outbox rows."""

    rows: list[ClaimedNotification]
    target: Target
    recipient: Recipient
    replies: tuple[Reply, ...]
    audience_label: str  # the user's name, or the channel key
    summary: bool = False


@dataclass
class Unsendable:
    """A row that will not be sent in this pass: `dead` says whether to give up or retry later."""

    row: ClaimedNotification
    reason: str
    dead: bool
    recipient: Recipient | None = None


@dataclass
class PreparedBatch:
    """A claimed batch, ready to send: the units, and the rows that will not go out now."""

    units: list[SendUnit] = field(default_factory=list)
    unsendable: list[Unsendable] = field(default_factory=list)


def page_chars_for(platform: str, sender: object | None) -> int:
    """How long one message may be on `platform`: what the sender or the platform registry declares."""
    declared = getattr(sender, "max_message_chars", None)
    return int(declared) if declared else capabilities_of(platform, sender).max_message_chars


Routed = tuple[ClaimedNotification, Target, Recipient]


def prepare_batch(
    engine: Engine, settings: Settings, now: datetime, batch: list[ClaimedNotification],
    senders: Mapping[str, object],
) -> PreparedBatch:
    """Route and check every claimed row, render what will be sent (one read-only transaction, a fixed number
    of queries per batch), and apply the noise budget."""
    prepared = PreparedBatch()
    routed: dict[str, list[Routed]] = defaultdict(list)
    budget = settings.scheduler.max_pushes_per_tick
    with unit_of_work(engine, write=False) as session:
        recipients = load_recipients(session, (r.recipient_id for r in batch if r.recipient_id), settings)
        user_ids = {uid for r in batch if (uid := kinds.audience_user_id(r.channel)) is not None}
        targets = dm_targets(session, user_ids, platforms=list(senders))
        subjects = load_subjects(session, batch)
        for row in batch:
            recipient = recipients.get(row.recipient_id) if row.recipient_id else None
            if recipient is None:
                prepared.unsendable.append(Unsendable(row, "unroutable: the recipient no longer exists", dead=True))
                continue
            if recipient.deactivated:
                prepared.unsendable.append(Unsendable(
                    row, "deactivated: the recipient was deactivated", dead=True, recipient=recipient))
                continue
            if row.stale_after is not None and now > row.stale_after:
                prepared.unsendable.append(Unsendable(
                    row, f"stale: not delivered before {row.stale_after:%Y-%m-%d %H:%M} UTC", dead=True, recipient=recipient))
                continue
            try:
                target = _target_of(row, targets)
            except UnroutableError as exc:
                prepared.unsendable.append(Unsendable(row, f"unroutable: {exc}", dead=True, recipient=recipient))
                continue
            if _checked(prepared, row, recipient, subjects):
                routed[row.channel].append((row, target, recipient))
        for audience, items in routed.items():
            rollable = [item for item in items if is_rollable(item[0].kind)]
            singles = [item for item in items if not is_rollable(item[0].kind)]
            if len(rollable) > budget:
                summary = _summary(session, settings, now, audience, rollable, senders, subjects, prepared)
                if summary is not None:
                    prepared.units.append(summary)
            else:
                singles = rollable + singles
            for row, target, recipient in singles:
                ctx = _context(session, settings, now, row, target, recipient, senders)
                notice = _rendered(prepared, ctx, row, recipient, subjects)
                if notice is not None:
                    prepared.units.append(SendUnit([row], target, recipient, notice.replies, _label(audience, recipient)))
    return prepared


def _checked(prepared: PreparedBatch, row: ClaimedNotification, recipient: Recipient,
             subjects: dict[SubjectKey, object]) -> bool:
    """Whether `row` still needs its push; if not, it is recorded as unsendable."""
    try:
        check(row, subjects)
    except ObsoleteNotification as exc:
        prepared.unsendable.append(Unsendable(row, f"obsolete: {exc}", dead=True, recipient=recipient))
        return False
    except Exception as exc:  # an unknown kind or a data bug: report once, retry later (maybe fixed by then)
        ref = report_error(exc, {"job": "render", "outbox_id": row.id, "kind": row.kind})
        prepared.unsendable.append(Unsendable(row, f"render failed ({ref})", dead=False, recipient=recipient))
        return False
    return True


def _rendered(prepared: PreparedBatch, ctx: RenderContext, row: ClaimedNotification, recipient: Recipient,
              subjects: dict[SubjectKey, object]):
    """The notice of `row`, or None (recorded as unsendable) when it is obsolete or fails to render."""
    try:
        return render_loaded(ctx, row, subjects)
    except ObsoleteNotification as exc:
        prepared.unsendable.append(Unsendable(row, f"obsolete: {exc}", dead=True, recipient=recipient))
    except Exception as exc:  # a template or data bug: report once, retry later (maybe fixed by then)
        ref = report_error(exc, {"job": "render", "outbox_id": row.id, "kind": row.kind})
        prepared.unsendable.append(Unsendable(row, f"render failed ({ref})", dead=False, recipient=recipient))
    return None


def _context(session, settings: Settings, now: datetime, row: ClaimedNotification, target: Target,
             recipient: Recipient, senders: Mapping[str, object]) -> RenderContext:
    return RenderContext(
        session=session, settings=settings, now=now, recipient=recipient,
        public=kinds.audience_user_id(row.channel) is None,
        page_chars=page_chars_for(target.platform, senders.get(target.platform)),
        extras={"outbox_ids": [row.id], "notification_kind": row.kind},
    )


def interleave(units: list[SendUnit]) -> list[SendUnit]:
    """Round-robin over targets, so a burst to one target is spread between the others' messages."""
    by_target: dict[str, list[SendUnit]] = defaultdict(list)
    for unit in units:
        by_target[unit.target.key()].append(unit)
    queues = list(by_target.values())
    ordered: list[SendUnit] = []
    while queues:
        ordered.extend(queue.pop(0) for queue in queues)
        queues = [queue for queue in queues if queue]
    return ordered


def _target_of(row: ClaimedNotification, targets: Mapping[int, Target | None]) -> Target:
    user_id = kinds.audience_user_id(row.channel)
    if user_id is None:
        return channel_target(row.channel)
    target = targets.get(user_id)
    if target is None:
        raise UnroutableError(f"user {user_id} has no chat identity to deliver to")
    return target


def _label(audience: str, recipient: Recipient) -> str:
    return recipient.name if kinds.audience_user_id(audience) is not None else audience


def _summary(
    session, settings: Settings, now: datetime, audience: str, items: list[Routed],
    senders: Mapping[str, object], subjects: dict[SubjectKey, object], prepared: PreparedBatch,
) -> SendUnit | None:
    """One message for all of `items`, oldest first (what waited longest): the first `SUMMARY_LINES` as lines,
    the others counted per kind."""
    items = sorted(items, key=lambda item: (item[0].due_date, item[0].id))
    _, target, recipient = items[0]
    lang = pick_language(recipient.language)
    lines: list[str] = []
    rows: list[ClaimedNotification] = []
    rest: Counter[str] = Counter()
    for row, _target, _recipient in items:
        if len(lines) < SUMMARY_LINES:
            notice = _rendered(prepared, _context(session, settings, now, row, target, recipient, senders),
                               row, recipient, subjects)
            if notice is None:
                continue
            lines.append(notice.line)
        else:
            rest[row.kind] += 1
        rows.append(row)
    if not rows:
        return None
    if rest:
        lines.append(t("notifications:summary_rest", lang, count=sum(rest.values()),
                       kinds=[(kind_title(kind, lang), n) for kind, n in
                              sorted(rest.items(), key=lambda kind_count: (-kind_count[1], kind_count[0]))]))
    limit = page_chars_for(target.platform, senders.get(target.platform))
    pages = paginate(lambda page, pages: _summary_title(lang, len(rows), page, pages), lines, limit=limit)
    public = kinds.audience_user_id(audience) is None
    extras = {"outbox_ids": [row.id for row in rows], "notification_kind": "summary"}
    replies = tuple(Reply(text=page, private=not public, lang=lang, extras=dict(extras)) for page in pages)
    return SendUnit(rows, target, recipient, replies, _label(audience, recipient), summary=True)


def _summary_title(lang: str, count: int, page: int, pages: int) -> str:
    title = t("notifications:summary", lang, count=count)
    return f"{title} ({page}/{pages})" if pages > 1 else title
