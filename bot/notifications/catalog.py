"""Every notification kind, declared once: its subject, how it is enqueued, rendered and caught up.

A kind is one `NotificationKind` entry in `KINDS`. The enqueuer runs each entry's `enqueue` step, the
dispatcher renders a claimed batch with the entries' `render` (`load_subjects` reads each kind's subjects of
the batch in one query, `check` and `render_loaded` work on the loaded rows), dead-letter lists and `crmbot tick` name the
occasion with its `subject`, and a test checks that every entry is complete (both templates exist in every
language, the renderer and enqueue step are set). Adding a kind is: its constant in `kinds`, its enqueue
statement, its renderer, its two template macros per language, and its entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Engine
from sqlmodel import Session

from bot.notifications import kinds
from bot.notifications.automation import AUTOMATION, enqueue_automation, render_automation
from bot.notifications.churn_features import all_churn_rows
from bot.notifications.claim import ClaimedNotification
from bot.notifications.contract_renewal import KIND as CONTRACT_RENEWAL
from bot.notifications.contract_renewal import enqueue_contract_renewals, render_contract_renewal
from bot.notifications.deal_alerts import (
    DEAL_PAST_CLOSE,
    DEAL_STUCK,
    enqueue_past_close_deals,
    enqueue_stuck_deals,
    render_past_close_deal,
    render_stuck_deal,
)
from bot.notifications.digest import render_digest
from bot.notifications.enqueue_birthdays import enqueue_birthdays
from bot.notifications.enqueue_churn import enqueue_churn_warnings
from bot.notifications.enqueue_digests import enqueue_digests
from bot.notifications.enqueue_due import (
    enqueue_followup_escalations,
    enqueue_followups_due,
    enqueue_payment_escalations,
    enqueue_payments_overdue,
    enqueue_reminders_due,
)
from bot.notifications.notices import (
    Notice,
    NoticeRenderer,
    RenderContext,
    Subject,
    render_birthday,
    render_churn,
    render_followup_due,
    render_followup_overdue,
    render_payment,
    render_reminder_due,
    whole,
)
from bot.notifications.pool_alerts import (
    POOL_RELEASED,
    POOL_WARNING,
    render_pool_released,
    render_pool_warning,
    run_pool_pass,
)
from bot.notifications.survey_alerts import SURVEY_LOW_SCORE, enqueue_low_scores, render_low_score
from bot.notifications.survey_push import SURVEY_PUSH, enqueue_survey_pushes, render_survey_push
from bot.notifications.tickets import (
    TICKET_ESCALATION,
    TICKET_OVERDUE,
    enqueue_ticket_escalations,
    enqueue_ticket_overdue,
    render_ticket,
)
from bot.notifications.zone_clocks import ZoneClocks
from storage.uow import unit_of_work

EnqueueStatement = Callable[[Session, ZoneClocks], int]


class CatchUp(Enum):
    """What a bot that was down does with occasions it missed (the enqueue statements implement it)."""

    RECENT_DAYS = "sent once however late: each pass reaches back to the last one (`catch_up`)"
    SAME_DAY = "sent until the greeting cutoff hour of the day, then dropped as stale"
    SAME_WEEK = "one per ISO week; stale once that week is over"
    NEXT_DAY = "stale at the next local midnight (the next digest covers it)"


@dataclass(frozen=True)
class Enqueue:
    """One enqueue step of a tick. Several kinds may share a step (the digest statement writes both).

    `run` gets the engine and the tick's zone clocks and returns the number of new outbox rows; `hourly`
    steps are heavy and run at most once per clock hour in a process (their keys make reruns harmless).
    """

    label: str  # the key the tick report counts its rows under
    run: Callable[[Engine, ZoneClocks], int]
    hourly: bool = False


@dataclass(frozen=True)
class NotificationKind:
    """A kind of push: everything the scheduler needs to enqueue, render and name one of its occasions."""

    name: str
    subject: str  # what `subject_id` refers to (shown in `crmbot tick` lines and dead-letter lists)
    enqueue: Enqueue
    render: NoticeRenderer
    templates: tuple[str, str]  # the message and its one-line (summary) form, ``file:macro``
    catch_up: CatchUp
    titles: dict[str, str]  # what people call it, per language (digest, dead-letter lists): {"zh": …, "en": …}


def in_transaction(label: str, statement: EnqueueStatement) -> Enqueue:
    """An enqueue step that runs `statement` in a transaction of its own."""

    def run(engine: Engine, clocks: ZoneClocks) -> int:
        with unit_of_work(engine) as session:
            return statement(session, clocks)

    return Enqueue(label, run)


def _enqueue_churn(engine: Engine, clocks: ZoneClocks) -> int:
    # Scored from rows read before the write transaction, so the write lock is held only for the inserts.
    rows = all_churn_rows(engine, today=clocks.first_today)
    with unit_of_work(engine) as session:
        return enqueue_churn_warnings(session, clocks, rows)


_DIGESTS = in_transaction("digest", enqueue_digests)
# Releases what is due, then tells and warns the owners (hourly: a pool works in days).
_POOL = Enqueue("pool", run_pool_pass, hourly=True)
_RENDER_DIGEST = whole(lambda ctx, row: render_digest(ctx, row, kind_title))


def _kind(name: str, subject: str, enqueue: Enqueue, render: NoticeRenderer, catch_up: CatchUp,
          templates: tuple[str, str] | None = None, *, zh: str, en: str) -> NotificationKind:
    return NotificationKind(name, subject, enqueue, render,
                            templates or (f"notifications:{name}", f"notifications:{name}_line"), catch_up,
                            {"zh": zh, "en": en})


KINDS: dict[str, NotificationKind] = {
    entry.name: entry
    for entry in (
        _kind(kinds.FOLLOWUP_DUE, "followup", in_transaction(kinds.FOLLOWUP_DUE, enqueue_followups_due),
              render_followup_due, CatchUp.RECENT_DAYS,
              zh="跟进到期", en="follow-up due"),
        _kind(kinds.REMINDER_DUE, "reminder", in_transaction(kinds.REMINDER_DUE, enqueue_reminders_due),
              render_reminder_due, CatchUp.RECENT_DAYS,
              zh="提醒", en="reminder"),
        _kind(kinds.FOLLOWUP_OVERDUE, "followup",
              in_transaction(kinds.FOLLOWUP_OVERDUE, enqueue_followup_escalations),
              render_followup_overdue, CatchUp.RECENT_DAYS,
              zh="逾期升级", en="overdue escalation"),
        _kind(kinds.BIRTHDAY, "contact", in_transaction(kinds.BIRTHDAY, enqueue_birthdays),
              render_birthday, CatchUp.SAME_DAY,
              zh="生日祝福", en="birthday greeting"),
        _kind(kinds.PAYMENT_OVERDUE, "order", in_transaction(kinds.PAYMENT_OVERDUE, enqueue_payments_overdue),
              render_payment, CatchUp.RECENT_DAYS,
              zh="逾期回款", en="overdue payment"),
        _kind(kinds.PAYMENT_ESCALATION, "order",
              in_transaction(kinds.PAYMENT_ESCALATION, enqueue_payment_escalations),
              render_payment, CatchUp.RECENT_DAYS,
              zh="回款升级", en="payment escalation"),
        _kind(DEAL_STUCK, "deal_stage", in_transaction(DEAL_STUCK, enqueue_stuck_deals), render_stuck_deal,
              CatchUp.RECENT_DAYS, zh="商机停滞", en="stuck deal"),
        _kind(DEAL_PAST_CLOSE, "deal", in_transaction(DEAL_PAST_CLOSE, enqueue_past_close_deals),
              render_past_close_deal, CatchUp.RECENT_DAYS, zh="商机超过预计成交日期", en="deal past its close date"),
        _kind(POOL_WARNING, "customer", _POOL, render_pool_warning, CatchUp.RECENT_DAYS,
              zh="即将进入公海", en="public pool warning"),
        _kind(POOL_RELEASED, "pool_release", _POOL, render_pool_released, CatchUp.RECENT_DAYS,
              zh="已进入公海", en="released to the public pool"),
        _kind(kinds.DIGEST_DAILY, "manager", _DIGESTS, _RENDER_DIGEST, CatchUp.NEXT_DAY,
              ("notifications_digest:title", "notifications_digest:summary_line"),
              zh="日报", en="daily digest"),
        _kind(kinds.DIGEST_WEEKLY, "manager", _DIGESTS, _RENDER_DIGEST, CatchUp.NEXT_DAY,
              ("notifications_digest:title", "notifications_digest:summary_line"),
              zh="周报", en="weekly digest"),
        _kind(SURVEY_LOW_SCORE, "satisfaction", in_transaction(SURVEY_LOW_SCORE, enqueue_low_scores),
              render_low_score, CatchUp.RECENT_DAYS,
              zh="满意度低分", en="low survey score"),
        _kind(TICKET_OVERDUE, "ticket", in_transaction(TICKET_OVERDUE, enqueue_ticket_overdue),
              render_ticket, CatchUp.RECENT_DAYS, zh="工单逾期", en="ticket past its deadline"),
        _kind(TICKET_ESCALATION, "ticket", in_transaction(TICKET_ESCALATION, enqueue_ticket_escalations),
              render_ticket, CatchUp.RECENT_DAYS, zh="工单升级", en="ticket escalation"),
        _kind(SURVEY_PUSH, "survey_invite", in_transaction(SURVEY_PUSH, enqueue_survey_pushes),
              render_survey_push, CatchUp.RECENT_DAYS, zh="满意度调查推送", en="survey to forward"),
        _kind(AUTOMATION, "automation_run", in_transaction(AUTOMATION, enqueue_automation),
              render_automation, CatchUp.RECENT_DAYS, zh="自动化提醒", en="automation note"),
        _kind(CONTRACT_RENEWAL, "contract", Enqueue(CONTRACT_RENEWAL, enqueue_contract_renewals),
              render_contract_renewal, CatchUp.RECENT_DAYS,
              zh="合同续约提醒", en="contract renewal"),
        _kind(kinds.CHURN, "customer", Enqueue(kinds.CHURN, _enqueue_churn, hourly=True),
              render_churn, CatchUp.SAME_WEEK,
              zh="流失预警", en="churn warning"),
    )
}


def enqueue_steps() -> list[Enqueue]:
    """The distinct enqueue steps of a tick, in declaration order (a shared step runs once)."""
    steps: list[Enqueue] = []
    for entry in KINDS.values():
        if entry.enqueue not in steps:
            steps.append(entry.enqueue)
    return steps


def render_notice(ctx: RenderContext, row: ClaimedNotification) -> Notice:
    """The notice for one row, its subject read on its own; raises `ObsoleteNotification`, or KeyError for a
    kind nobody declared."""
    return KINDS[row.kind].render(ctx, row)


SubjectKey = tuple[str, int]  # (kind, subject_id)
# Subject ids per IN list: a claim holds at most 500 rows; SQLite takes 32,766 parameters, this stays far below.
_CHUNK = 500


def load_subjects(session: Session, rows: Iterable[ClaimedNotification]) -> dict[SubjectKey, Subject]:
    """The subjects of `rows`: one query per kind present (per 500 ids), keyed by (kind, subject id)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.kind, set()).add(row.subject_id)
    loaded: dict[SubjectKey, Subject] = {}
    for kind, ids in wanted.items():
        entry = KINDS.get(kind)
        if entry is None:
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            for subject_id, found in entry.render.load(session, ordered[start:start + _CHUNK]).items():
                loaded[kind, subject_id] = found
    return loaded


def check(row: ClaimedNotification, subjects: dict[SubjectKey, Subject]) -> None:
    """Raise `ObsoleteNotification` when `row` no longer needs its push (KeyError: a kind nobody declared)."""
    KINDS[row.kind].render.check(row, subjects.get((row.kind, row.subject_id)))


def render_loaded(ctx: RenderContext, row: ClaimedNotification, subjects: dict[SubjectKey, Subject]) -> Notice:
    """The notice for `row` from its loaded subject; raises `ObsoleteNotification`."""
    renderer = KINDS[row.kind].render
    found = subjects.get((row.kind, row.subject_id))
    renderer.check(row, found)
    return renderer.render(ctx, row, found)


def is_rollable(kind: str) -> bool:
    """Whether notices of `kind` may be rolled into a summary (digests are summaries already)."""
    entry = KINDS.get(kind)
    return entry.render.rollable if entry is not None else True


SUBJECT_TITLES: dict[str, dict[str, str]] = {
    "followup": {"zh": "跟进", "en": "follow-up"}, "reminder": {"zh": "提醒", "en": "reminder"},
    "contact": {"zh": "联系人", "en": "contact"}, "order": {"zh": "订单", "en": "order"},
    "manager": {"zh": "主管", "en": "manager"}, "customer": {"zh": "客户", "en": "customer"},
    "satisfaction": {"zh": "满意度回复", "en": "survey answer"},
    "deal": {"zh": "商机", "en": "deal"}, "deal_stage": {"zh": "商机阶段", "en": "deal stage"},
    "ticket": {"zh": "工单", "en": "ticket"}, "automation_run": {"zh": "自动化规则触发", "en": "automation run"},
    "pool_release": {"zh": "公海记录", "en": "pool release"},
    "survey_invite": {"zh": "满意度调查链接", "en": "survey link"},
    "contract": {"zh": "合同", "en": "contract"},
}  # what a kind's `subject` is called in a reply; a new subject adds its line here


def kind_title(kind: str, lang: str) -> str:
    """What people call `kind` in `lang` (``生日祝福``, ``birthday greeting``); a kind nobody declares any
    more (an old outbox row) is named neutrally rather than by its identifier."""
    entry = KINDS.get(kind)
    zh = lang.startswith("zh")
    if entry is None:
        return "通知" if zh else "notification"
    return entry.titles["zh" if zh else "en"]


def subject_title(kind: str, lang: str) -> str:
    """What the subject of `kind` is called in `lang` (``联系人`` for a birthday greeting)."""
    entry = KINDS.get(kind)
    titles = SUBJECT_TITLES.get(entry.subject, {}) if entry else {}
    return titles.get("zh" if lang.startswith("zh") else "en") or ("对象" if lang.startswith("zh") else "subject")


def occasion_label(kind: str, subject_id: int, due_date: object) -> str:
    """``contact#12@2026-02-16``: the occasion an outbox row stands for, readable and greppable."""
    entry = KINDS.get(kind)
    return f"{entry.subject if entry else 'subject'}#{subject_id}@{due_date}"
