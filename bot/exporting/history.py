"""The follow-up history of an export: every follow-up of every exported customer, one row each, in a sheet of
its own (XLSX) or a file beside the customers' (``all.csv`` → ``all.followups.csv``).

The importer reads it back when it imports the customers file into a book that does not have those
customers yet, so a whole book moves with its history: each row names its customer by the export's id,
the open next step rides on its follow-up (date-only when it was), and done steps keep their done time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.labels import VALUE_LABELS_ZH
from storage.models import FollowUp, User

NAME = "followups"  # the CSV file's middle name, whatever the language
TITLES = {"zh": "跟进记录", "en": "follow-ups"}  # the XLSX sheet's title
# (key, English header, Chinese header)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("customer_id", "customer id", "客户编号"), ("customer", "customer name", "客户名称"),
    ("at", "at", "跟进时间"), ("kind", "kind", "方式"), ("by", "by", "记录人"), ("text", "text", "内容"),
    ("next_step", "next step", "下一步"), ("next_due", "next due", "下一步时间"), ("done_at", "done at", "完成时间"),
)  # fmt: skip
FOLLOWUP_KINDS = ("call", "visit", "message", "email", "meeting", "note")
KIND_WORDS_ZH = {kind: VALUE_LABELS_ZH["kind"][kind] for kind in FOLLOWUP_KINDS}


def headers(lang: str) -> list[str]:
    """The sheet's header row in `lang`."""
    return [zh if lang == "zh" else en for _, en, zh in COLUMNS]


def history_rows(session: Session, customers: dict[int, str], *, lang: str, tz: ZoneInfo) -> list[list[object]]:
    """Every live follow-up of `customers` (id → name), oldest first per customer, as sheet rows."""
    if not customers:
        return []
    rows = session.exec(
        select(FollowUp.customer_id, FollowUp.happened_at, FollowUp.kind, User.name, FollowUp.text,
               FollowUp.next_step, FollowUp.next_due_at, FollowUp.next_due_date, FollowUp.next_due_has_time,
               FollowUp.done_at)
        .join(User, User.id == FollowUp.author_id)
        .where(FollowUp.customer_id.in_(list(customers)), FollowUp.deleted_at.is_(None))
        .order_by(FollowUp.customer_id, FollowUp.happened_at, FollowUp.id)
    ).all()
    return [_row(row, customers, lang, tz) for row in rows]


def _row(row: Sequence, customers: dict[int, str], lang: str, tz: ZoneInfo) -> list[object]:
    customer_id, at, kind, author, text, step, due_at, due_date, has_time, done_at = row
    due: str | None = None
    if has_time and due_at is not None:
        due = local(due_at, tz)
    elif due_date is not None:
        due = due_date.isoformat()  # a date-only step stays date-only
    shown_kind = KIND_WORDS_ZH.get(kind, kind) if lang == "zh" else kind
    return [customer_id, customers[customer_id], local(at, tz), shown_kind, author, text, step, due, local(done_at, tz)]


def local(at: datetime | None, tz: ZoneInfo) -> str | None:
    """``2026-11-18 10:00`` in the exporter's zone (what the importer reads back), or None."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else None
