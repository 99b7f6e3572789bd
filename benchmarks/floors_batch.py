"""Hand-written raw-SQL floors of the set-based paths: a tick's enqueue, today's birthdays, churn scoring,
a manager's digest, and a bulk import. Each runs on a bare DB-API connection and does the same work as the
product path it is compared with, minus the ORM / SQLAlchemy layers and the product's bookkeeping.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.dataset import Backend
from bot.calendar.birthdays import BirthdayError, BirthdayKeys, birthday_keys_for, parse_birthday
from bot.calendar.churn import assess_many, population_gaps_by_segment
from bot.notifications import kinds
from bot.notifications.churn_features import churn_items, created_ordinals
from bot.services.customers import search_keys
from bot.text.identity import normalize_email, normalize_phone

_OUTBOX_INSERT = ("INSERT INTO notification_outbox (kind, subject_id, due_date, channel, recipient_id, status, "
                  "not_before, attempts, created_at) ")


def enqueue(backend: Backend, conn, *, now: datetime, default_zone: str, default_morning: int) -> int:
    """Everything due in every zone, one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per kind.

    A small table of the zones' local dates and hours is joined to each owner's zone, so each kind reads its
    due rows once for all zones (the product runs one statement per kind and zone).
    """
    cursor = conn.cursor()
    cursor.execute(backend.sql("SELECT DISTINCT coalesce(timezone, ?) FROM app_user WHERE deactivated_at IS NULL"),
                   [default_zone])
    zones = []
    for (zone,) in cursor.fetchall():
        local = now.astimezone(ZoneInfo(zone))
        zones.append((zone, local.date(), local.hour, local.date() - timedelta(days=kinds.CATCH_UP_DAYS)))
    table = "WITH z(zone, today, hour, catch_up) AS (VALUES " + ", ".join("(?, ?, ?, ?)" for _ in zones) + ") "
    zone_params = [value for row in zones for value in row]
    at = backend.instant(now)
    owner_zone = "JOIN z ON z.zone = coalesce(o.timezone, ?) AND coalesce(o.morning_hour, ?) <= z.hour "
    cursor.execute("BEGIN IMMEDIATE" if backend.name == "sqlite" else "BEGIN")
    cursor.execute(backend.sql(
        table + _OUTBOX_INSERT + "SELECT ?, f.id, f.next_due_date, 'user:' || CAST(c.owner_id AS TEXT), c.owner_id, "
        "'pending', ?, 0, ? FROM followup f CROSS JOIN customer c CROSS JOIN app_user o CROSS JOIN z "
        "WHERE c.id = f.customer_id AND o.id = c.owner_id AND z.zone = coalesce(o.timezone, ?) "
        "AND f.next_due_at IS NOT NULL AND f.done_at IS NULL AND f.deleted_at IS NULL "
        "AND f.next_due_at <= ? AND f.next_due_at >= ? AND f.next_due_date >= z.catch_up "
        "AND ((f.next_due_has_time = ? AND f.next_due_at <= ?) OR (f.next_due_has_time = ? AND "
        "(f.next_due_date < z.today OR (f.next_due_date = z.today AND coalesce(o.morning_hour, ?) <= z.hour)))) "
        "AND c.deleted_at IS NULL AND (c.snoozed_until IS NULL OR c.snoozed_until < z.today) "
        "AND o.deactivated_at IS NULL ON CONFLICT DO NOTHING"),
        [*zone_params, kinds.FOLLOWUP_DUE, at, at, default_zone, backend.instant(now + timedelta(days=2)),
         backend.instant(now - timedelta(days=kinds.CATCH_UP_DAYS + 2)), True, at, False, default_morning])
    inserted = max(cursor.rowcount, 0)
    for day in sorted({row[1] for row in zones}):  # birthday keys depend on the local date (two at most)
        predicate, params = birthday_sql(_birthday_keys(day), "k")
        cursor.execute(backend.sql(
            table + _OUTBOX_INSERT + "SELECT ?, k.id, z.today, 'user:' || CAST(c.owner_id AS TEXT), c.owner_id, "
            "'pending', ?, 0, ? FROM contact k JOIN customer c ON c.id = k.customer_id JOIN app_user o "
            f"ON o.id = c.owner_id {owner_zone} WHERE z.today = ? AND k.deleted_at IS NULL AND {predicate} "
            "AND c.deleted_at IS NULL AND o.deactivated_at IS NULL ON CONFLICT DO NOTHING"),
            [*zone_params, kinds.BIRTHDAY, at, at, default_zone, default_morning, day, *params])
        inserted += max(cursor.rowcount, 0)
    cursor.execute(backend.sql(
        table + _OUTBOX_INSERT + "SELECT ?, s.id, s.payment_due, 'user:' || CAST(c.owner_id AS TEXT), c.owner_id, "
        "'pending', ?, 0, ? FROM sales_order s JOIN customer c ON c.id = s.customer_id JOIN app_user o "
        f"ON o.id = c.owner_id {owner_zone} WHERE s.paid_at IS NULL AND s.deleted_at IS NULL "
        "AND s.payment_due < z.today AND s.payment_due >= z.catch_up AND s.payment_due >= ? AND c.deleted_at IS NULL "
        "AND (c.snoozed_until IS NULL OR c.snoozed_until < z.today) AND o.deactivated_at IS NULL "
        "ON CONFLICT DO NOTHING"),
        [*zone_params, kinds.PAYMENT_OVERDUE, at, at, default_zone, default_morning, min(r[3] for r in zones)])
    inserted += max(cursor.rowcount, 0)
    inserted += _escalations(backend, cursor, table, zone_params, at=at, now=now, earliest=min(r[3] for r in zones),
                             default_zone=default_zone, default_morning=default_morning)
    cursor.execute("COMMIT")
    return inserted


def _escalations(backend: Backend, cursor, table: str, zone_params: list, *, at, now: datetime, earliest: date,
                 default_zone: str, default_morning: int) -> int:
    """Steps open two days past due and payments a week overdue, to the managers of the customer's team."""
    manager_zone = ("CROSS JOIN z WHERE z.zone = coalesce(m.timezone, ?) AND coalesce(m.morning_hour, ?) <= z.hour "
                    "AND m.id <> c.owner_id AND m.deactivated_at IS NULL AND ")
    # CROSS JOIN keeps SQLite from putting the zone table outermost, which would read the due rows once per zone.
    joins = ("CROSS JOIN customer c CROSS JOIN app_user o CROSS JOIN manager_team mt CROSS JOIN app_user m ")
    links = ("c.id = {t}.customer_id AND o.id = c.owner_id AND mt.team_id = coalesce(c.team_id, o.team_id) "
             "AND m.id = mt.manager_id AND ")
    last_due, first_due = _minus_days(backend, "z.today", 2), _minus_days(backend, "z.catch_up", 2)
    cursor.execute(backend.sql(
        table + _OUTBOX_INSERT + "SELECT ?, f.id, f.next_due_date, 'user:' || CAST(m.id AS TEXT), m.id, 'pending', ?, 0, ? "
        f"FROM followup f {joins}{manager_zone}{links.format(t='f')}f.next_due_at IS NOT NULL AND f.done_at IS NULL "
        f"AND f.deleted_at IS NULL AND f.next_due_at < ? AND f.next_due_at >= ? AND f.next_due_date <= {last_due} "
        f"AND f.next_due_date >= {first_due} AND c.deleted_at IS NULL ON CONFLICT DO NOTHING"),
        [*zone_params, kinds.FOLLOWUP_OVERDUE, at, at, default_zone, default_morning, at,
         backend.instant(now - timedelta(days=kinds.CATCH_UP_DAYS + 4))])
    inserted = max(cursor.rowcount, 0)
    cursor.execute(backend.sql(
        table + _OUTBOX_INSERT + "SELECT ?, s.id, s.payment_due, 'user:' || CAST(m.id AS TEXT), m.id, 'pending', ?, 0, ? "
        f"FROM sales_order s {joins}{manager_zone}{links.format(t='s')}s.paid_at IS NULL AND s.deleted_at IS NULL "
        f"AND s.payment_due <= {_minus_days(backend, 'z.today', 7)} AND s.payment_due >= ? "
        f"AND s.payment_due >= {_minus_days(backend, 'z.catch_up', 7)} AND c.deleted_at IS NULL ON CONFLICT DO NOTHING"),
        [*zone_params, kinds.PAYMENT_ESCALATION, at, at, default_zone, default_morning,
         earliest - timedelta(days=7)])
    return inserted + max(cursor.rowcount, 0)


def _minus_days(backend: Backend, column: str, days: int) -> str:
    return f"date({column}, '-{days} days')" if backend.name == "sqlite" else f"({column} - {days})"


def _birthday_keys(day: date) -> BirthdayKeys:
    return birthday_keys_for(day)


def birthday_sql(keys: BirthdayKeys, alias: str) -> tuple[str, list]:
    """``BirthdayKeys`` as a hand-written predicate on the ``(is_lunar, month, day)`` index."""
    solar = " OR ".join(f"({alias}.birthday_month = ? AND {alias}.birthday_day = ?)" for _ in keys.solar) or "1 = 0"
    lunar = " OR ".join(
        f"({alias}.birthday_month = ? AND {alias}.birthday_day = ? AND {alias}.birthday_is_leap_month IN "
        f"({', '.join('?' * len(allowed))}))" for _, _, allowed in keys.lunar) or "1 = 0"
    params: list = [False]
    for month, day in keys.solar:
        params += [month, day]
    params.append(True)
    for month, day, allowed in keys.lunar:
        params += [month, day, *allowed]
    return f"(({alias}.birthday_is_lunar = ? AND ({solar})) OR ({alias}.birthday_is_lunar = ? AND ({lunar})))", params


def birthdays_today(backend: Backend, conn, keys: BirthdayKeys) -> list:
    """Contacts celebrating on the keys' day, with their customer and owner."""
    predicate, params = birthday_sql(keys, "k")
    cursor = conn.cursor()
    cursor.execute(backend.sql(
        "SELECT k.id, k.name, c.name, c.owner_id FROM contact k JOIN customer c ON c.id = k.customer_id "
        f"WHERE k.deleted_at IS NULL AND c.deleted_at IS NULL AND {predicate}"), params)
    return cursor.fetchall()


def churn(backend: Backend, conn, *, today: date, scope_sql: str = "", scope_params: list | None = None) -> list:
    """Contact days per customer (distinct days with a follow-up or an order in 730 days), then the same Python
    scoring as the product.

    SQLite: one correlated UNION per customer, read through the (customer_id, …) indexes; a single UNION over
    all 1.4M (customer, day) pairs needs a temporary B-tree that costs three times as much (measured 0.9 s
    against 2.6 s at 60k customers). PostgreSQL hashes the single UNION well, so it gets that form.
    """
    since = today - timedelta(days=730)
    since_at = backend.instant(datetime.combine(since, time(), tzinfo=UTC))
    cursor = conn.cursor()
    if backend.name == "sqlite":
        cursor.execute(
            "SELECT c.id, (SELECT count(*) || ' ' || min(day) || ' ' || max(day) FROM (SELECT date(happened_at) AS day "
            "FROM followup WHERE customer_id = c.id AND deleted_at IS NULL AND happened_at >= ? UNION "
            "SELECT ordered_on FROM sales_order WHERE customer_id = c.id AND deleted_at IS NULL AND ordered_on >= ?)), "
            "c.team_id, c.created_at FROM customer c JOIN app_user o ON o.id = c.owner_id "
            f"WHERE c.deleted_at IS NULL AND o.deactivated_at IS NULL {scope_sql}",
            [since_at, since.isoformat(), *(scope_params or [])])
        rows = []
        for customer_id, packed, team_id, created in cursor.fetchall():
            count, first, last = packed.split(" ") if packed and packed != "0" else ("0", None, None)
            rows.append((customer_id, int(count), first, last, team_id, created))
    else:
        cursor.execute(backend.sql(
            f"WITH days AS (SELECT customer_id, {backend.day_of('happened_at')} AS day FROM followup "
            "WHERE deleted_at IS NULL AND happened_at >= ? UNION SELECT customer_id, ordered_on FROM sales_order "
            "WHERE deleted_at IS NULL AND ordered_on >= ?), per AS (SELECT customer_id, count(*) AS n, min(day) AS f, "
            "max(day) AS l FROM days GROUP BY customer_id) SELECT c.id, per.n, per.f, per.l, c.team_id, c.created_at "
            "FROM customer c JOIN app_user o ON o.id = c.owner_id LEFT JOIN per ON per.customer_id = c.id "
            f"WHERE c.deleted_at IS NULL AND o.deactivated_at IS NULL {scope_sql}"),
            [since_at, since, *(scope_params or [])])
        rows = cursor.fetchall()
    # The floor is the SQL; turning its rows into scores is the same Python step ours uses.
    items = churn_items(rows)
    return list(assess_many(items, today=today, population_gaps=population_gaps_by_segment(items),
                            created_ordinals=created_ordinals(rows)))


def digest(backend: Backend, conn, *, manager_id: int, team_ids: list[int], tenant: str, now: datetime,
           zone: ZoneInfo) -> dict:
    """The sections of a manager's daily digest over their teams' customers (lists of 10 plus counts)."""
    today = now.astimezone(zone).date()
    since = backend.instant(datetime.combine(today - timedelta(days=1), time(), tzinfo=zone))
    until = backend.instant(datetime.combine(today, time(), tzinfo=zone))
    teams = ", ".join("?" * len(team_ids))
    scope = f"c.tenant = ? AND c.deleted_at IS NULL AND (c.owner_id = ? OR c.team_id IN ({teams}))"
    sp = [tenant, manager_id, *team_ids]
    cursor = conn.cursor()

    def rows(sql: str, params: list) -> list:
        cursor.execute(backend.sql(sql), params)
        return cursor.fetchall()

    out = {"per_rep": rows(
        "SELECT coalesce(nullif(a.display_name, ''), a.name), count(f.id) FROM followup f JOIN customer c "
        f"ON c.id = f.customer_id JOIN app_user a ON a.id = f.author_id WHERE {scope} AND f.deleted_at IS NULL "
        "AND f.happened_at >= ? AND f.happened_at < ? GROUP BY 1 ORDER BY 2 DESC, 1", [*sp, since, until])}
    out["new"] = rows(f"SELECT c.id, c.name FROM customer c WHERE {scope} AND c.created_at >= ? AND c.created_at < ? "
                      "ORDER BY c.created_at, c.id LIMIT 10", [*sp, since, until])
    overdue = (f"FROM followup f JOIN customer c ON c.id = f.customer_id WHERE {scope} AND f.next_due_at IS NOT NULL "
               "AND f.done_at IS NULL AND f.deleted_at IS NULL AND f.next_due_at < ?")
    out["overdue"] = rows(f"SELECT c.id, c.name, f.next_step, f.next_due_date {overdue} ORDER BY f.next_due_at, f.id "
                          "LIMIT 10", [*sp, backend.instant(now)])
    out["overdue_count"] = rows(f"SELECT count(*) {overdue}", [*sp, backend.instant(now)])
    out["at_risk"] = [a for a in churn(backend, conn, today=today, scope_sql=f"AND ({scope})", scope_params=sp)
                      if a[1].level in ("at_risk", "lapsed")]
    payments = (f"FROM sales_order s JOIN customer c ON c.id = s.customer_id WHERE {scope} AND s.paid_at IS NULL "
                "AND s.deleted_at IS NULL AND s.payment_due < ?")
    out["payments"] = rows(f"SELECT s.id, c.name, s.amount, s.currency, s.payment_due {payments} "
                           "ORDER BY s.payment_due, s.id LIMIT 10", [*sp, today])
    out["payments_count"] = rows(f"SELECT count(*) {payments}", [*sp, today])
    out["birthdays"] = []
    for offset in range(7):
        predicate, params = birthday_sql(_birthday_keys(today + timedelta(days=offset)), "k")
        out["birthdays"] += rows(f"SELECT k.id, k.name, c.name FROM contact k JOIN customer c ON c.id = k.customer_id "
                                 f"WHERE {scope} AND k.deleted_at IS NULL AND {predicate}", [*sp, *params])
    out["dead"] = rows("SELECT id, kind, last_error FROM notification_outbox WHERE status = 'dead' AND created_at >= ? "
                       "ORDER BY id DESC LIMIT 10", [since])
    return out


def bulk_import(backend: Backend, conn, path: Path, *, tenant: str, now: datetime) -> int:
    """Parse the CSV, normalise each row as the importer does, insert customers and contacts in one transaction.

    No duplicate detection, error file, owner rules or batching: the floor of the same data work.
    """
    cursor = conn.cursor()
    cursor.execute(backend.sql("SELECT name, id, team_id FROM app_user WHERE tenant = ?"), [tenant])
    owners = {name: (uid, team) for name, uid, team in cursor.fetchall()}
    cursor.execute(backend.sql("SELECT coalesce(max(id), 0) FROM customer"), [])
    next_id = cursor.fetchone()[0] + 1
    at = backend.instant(now)
    customers, contacts = [], []
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        for name, phone, email, industry, region, owner, contact, title, birthday, tags, _notes in reader:
            if not name or (phone and normalize_phone(phone) is None):
                continue
            keys = search_keys(name)
            owner_id, team_id = owners.get(owner, next(iter(owners.values())))
            customers.append((next_id, tenant, name, keys.name_key, keys.pinyin_full, keys.pinyin_initials,
                              normalize_phone(phone) if phone else None, normalize_email(email) if email else None,
                              industry or None, region or None, f",{tags.replace('、', ',')}," if tags else "",
                              owner_id, team_id, at, at))
            try:
                b = parse_birthday(birthday) if birthday else None
            except BirthdayError:
                b = None
            contacts.append((next_id, contact, title, b.month if b else None, b.day if b else None,
                             bool(b and b.is_lunar), bool(b and b.is_leap_month), b.year if b else None, at, at))
            next_id += 1
    cursor.execute("BEGIN IMMEDIATE" if backend.name == "sqlite" else "BEGIN")
    cursor.executemany(backend.sql(
        "INSERT INTO customer (id, tenant, name, name_key, pinyin_full, pinyin_initials, phone, email, industry, "
        "region, tags, owner_id, team_id, created_at, updated_at, kind, tier, tier_manual, stage) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'company', 'normal', false, 'lead')"), customers)
    cursor.executemany(backend.sql(
        "INSERT INTO contact (customer_id, name, title, birthday_month, birthday_day, birthday_is_lunar, "
        "birthday_is_leap_month, birthday_year, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), contacts)
    cursor.execute("COMMIT")
    return len(customers)


def contract_renewals(backend: Backend, conn, *, today: date, days: int = 30) -> int:
    """The renewal reminders' candidates as plain SQL: live contracts ending `days` from today (within a week of
    catch-up), not renewed, of live customers (the product also writes them, and the other occasions)."""
    cursor = conn.cursor()
    cursor.execute(backend.sql(
        "SELECT c.id, u.id FROM contract c JOIN customer k ON k.id = c.customer_id JOIN app_user u ON u.id = k.owner_id "
        "WHERE c.ended_on IS NULL AND c.deleted_at IS NULL AND c.ends_on >= ? AND c.ends_on <= ? AND k.deleted_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM contract s WHERE s.renewed_from_id = c.id)"),
        [today + timedelta(days=days - 7), today + timedelta(days=days)])
    return len(cursor.fetchall())
