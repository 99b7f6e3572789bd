"""Raw-SQL floors of the service paths: listing a segment (its count per owner and a page) and a campaign's
set-based insert of one next step per customer without an open step."""

from __future__ import annotations

from datetime import datetime

from benchmarks.dataset import Backend

_OPEN = "f.next_due_at IS NOT NULL AND f.done_at IS NULL AND f.deleted_at IS NULL"


def segment_listing(backend: Backend, conn, *, tenant: str, industry: str) -> int:
    """Counts per owner and the first page of 20 of the tenant's customers in `industry`."""
    cursor = conn.cursor()
    where = "c.tenant = ? AND c.deleted_at IS NULL AND lower(c.industry) = lower(?)"
    cursor.execute(backend.sql(f"SELECT c.owner_id, count(*) FROM customer c WHERE {where} GROUP BY c.owner_id"),
                   [tenant, industry])
    total = sum(n for _, n in cursor.fetchall())
    cursor.execute(backend.sql(f"SELECT c.id, c.name, c.tier, c.region, c.last_contact_at, u.name FROM customer c "
                               f"JOIN app_user u ON u.id = c.owner_id WHERE {where} ORDER BY c.name, c.id LIMIT 20"),
                   [tenant, industry])
    cursor.fetchall()
    return total


def campaign(backend: Backend, conn, *, tenant: str, industry: str, author_id: int, now: datetime) -> int:
    """One next step per customer in `industry` without an open step, in one INSERT … SELECT (rolled back)."""
    cursor = conn.cursor()
    at = backend.instant(now)
    cursor.execute(backend.sql(
        "INSERT INTO followup (customer_id, author_id, kind, text, happened_at, next_step, next_due_at, next_due_date, "
        "next_due_has_time, created_at) SELECT c.id, ?, 'note', 'floor', coalesce(c.last_contact_at, c.created_at), "
        "'floor step', ?, ?, ?, ? FROM customer c WHERE c.tenant = ? AND c.deleted_at IS NULL "
        f"AND lower(c.industry) = lower(?) AND NOT EXISTS (SELECT 1 FROM followup f WHERE f.customer_id = c.id AND {_OPEN}) "
        "ON CONFLICT DO NOTHING"), [author_id, at, now.date().isoformat() if backend.name == "sqlite" else now.date(),
                                    False, at, tenant, industry])
    created = cursor.rowcount
    conn.rollback()
    return created
