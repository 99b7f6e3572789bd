"""Churn warnings: every customer's contact figures from one SQL query (`churn_features`), scored with
`assess_many` (the rhythm ratio), one warning per customer per ISO week.

The assessment numbers travel in the payload, so the message explains exactly what the rep was warned about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from bot.calendar.churn import ChurnAssessment, assess_many, population_gaps_by_segment
from bot.notifications import kinds
from bot.notifications.churn_features import churn_items, created_ordinals
from bot.notifications.local_time import zone_or_default
from bot.notifications.outbox_sql import insert_values, row_values
from bot.notifications.zone_clocks import ZoneClocks

__all__ = ["assessment_from_payload", "assessment_payload", "enqueue_churn_warnings"]


def enqueue_churn_warnings(session: Session, clocks: ZoneClocks, rows: list[tuple[Any, ...]]) -> int:
    """Score `rows` (from `churn_rows`, read in an earlier, read-only transaction so the write lock is held
    only for the insert) and enqueue this week's warning for customers at `watch` level or worse.

    A warning waits for the owner's morning hour and is skipped while the customer is snoozed.
    """
    if not rows:
        return 0
    settings = clocks.settings
    scored = churn_items(rows)
    gaps = population_gaps_by_segment(scored)
    by_id = {r[0]: r for r in rows}
    created = created_ordinals(rows)

    def warnings() -> Iterator[dict[str, Any]]:
        by_zone: dict[str, list[tuple[int, int, int | None, int | None, str]]] = {}
        for item in scored:
            by_zone.setdefault(zone_or_default(by_id[item[0]][8], settings), []).append(item)
        for zone, items in by_zone.items():
            m = clocks.moment(zone)
            if m is None:
                continue
            not_before, stale_after = clocks.not_before_in(m), m.at(m.week_start + timedelta(days=7), 0)
            for customer_id, assessment in assess_many(
                items, today=m.today, population_gaps=gaps, created_ordinals=created
            ):
                row = by_id[customer_id]
                owner_id, snoozed_until, morning = row[6], row[7], row[9]
                if assessment.level is None or (snoozed_until is not None and snoozed_until >= m.today):
                    continue
                if (morning if morning is not None else settings.defaults.morning_hour) > m.hour:
                    continue
                yield row_values(
                    kinds.CHURN, subject_id=customer_id, due_date=m.week_start,
                    channel=kinds.user_audience(owner_id), recipient_id=owner_id,
                    not_before=not_before, now=clocks.now, stale_after=stale_after,
                    payload=assessment_payload(assessment),
                )

    return insert_values(session, warnings())


def assessment_payload(assessment: ChurnAssessment) -> dict[str, Any]:
    """The assessment as JSON-safe numbers (kept in the outbox row's payload)."""
    return asdict(assessment)


def assessment_from_payload(payload: Mapping[str, Any]) -> ChurnAssessment:
    """Rebuild the assessment the warning was enqueued with."""
    return ChurnAssessment(**{key: payload[key] for key in ChurnAssessment.__slots__})
