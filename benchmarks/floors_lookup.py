"""Hand-written raw-SQL floors of the interactive commands: the queries `find`, `show` and `log` cannot do
without, run on a bare DB-API connection (no ORM, no parsing, no rendering, no permission lookups).

The floor of a command is what a hand-tuned program would spend in the database for the same answer; the
core adds parsing, user resolution, message dedupe, access checks, rendering and a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process

from benchmarks.dataset import Backend

_HIGH = "\U0010ffff"
_CARD_COLUMNS = "id, name, tier, stage, region, next_followup_at"


@dataclass(frozen=True)
class Scope:
    """Whose view a lookup runs in: a rep (own customers), a manager (own plus the team's) or an admin (the
    whole tenant)."""

    tenant: str
    user_id: int
    team_ids: tuple[int, ...] = ()
    whole_tenant: bool = False

    def where(self, alias: str = "") -> tuple[str, list]:
        """The visibility predicate and its parameters."""
        prefix = f"{alias}." if alias else ""
        if self.whole_tenant:
            return f"{prefix}tenant = ? AND {prefix}deleted_at IS NULL", [self.tenant]
        clause = f"{prefix}tenant = ? AND {prefix}deleted_at IS NULL AND ({prefix}owner_id = ?"
        params: list = [self.tenant, self.user_id]
        if self.team_ids:
            clause += f" OR {prefix}team_id IN ({', '.join('?' * len(self.team_ids))})"
            params += list(self.team_ids)
        return clause + ")", params


def find_prefix(backend: Backend, conn, scope: Scope, prefix: str) -> list:
    """Visible customers whose name starts with `prefix` (an index range, as the search does)."""
    where, params = scope.where()
    return _all(conn, backend.sql(f"SELECT {_CARD_COLUMNS} FROM customer WHERE {where} AND name >= ? AND name < ? "
                                  "ORDER BY name LIMIT 10"), [*params, prefix, prefix + _HIGH])


def find_short(backend: Backend, conn, scope: Scope, piece: str) -> list:
    """Visible customers whose name holds the two characters `piece`: its name-bigram postings, in id order."""
    where, params = scope.where("c")
    return _all(conn, backend.sql(
        f"SELECT c.id, c.name FROM customer_bigram b JOIN customer c ON c.id = b.customer_id WHERE b.tenant = ? "
        f"AND b.gram = lower(?) AND {where} AND lower(c.name) LIKE ? LIMIT 10"),
        [scope.tenant, piece, *params, f"%{piece.lower()}%"])


def find_initials(backend: Backend, conn, scope: Scope, initials: str) -> list:
    """Visible customers with exactly these pinyin initials."""
    where, params = scope.where()
    return _all(conn, backend.sql(f"SELECT {_CARD_COLUMNS} FROM customer WHERE {where} AND pinyin_initials = ? "
                                  "LIMIT 10"), [*params, initials])


def find_phone(backend: Backend, conn, scope: Scope, phone: str) -> list:
    """Visible customers with this (normalised) phone, their own or a contact's."""
    where, params = scope.where()
    # Two indexed look-ups; an OR across them would make PostgreSQL scan the table.
    return _all(conn, backend.sql(
        f"SELECT {_CARD_COLUMNS} FROM customer WHERE {where} AND phone = ? UNION SELECT {_CARD_COLUMNS} FROM customer "
        f"WHERE {where} AND id IN (SELECT customer_id FROM contact WHERE phone = ? AND deleted_at IS NULL) LIMIT 10"),
        [*params, phone, *params, phone])


def find_fuzzy(backend: Backend, conn, scope: Scope, key: str) -> list:
    """The visible names most like `key` (rapidfuzz WRatio over the scope's name keys, as the search does)."""
    where, params = scope.where()
    rows = _all(conn, backend.sql(f"SELECT id, name_key FROM customer WHERE {where}"), params)
    best = process.extract(key, [r[1] for r in rows], scorer=fuzz.WRatio, limit=10, score_cutoff=75)
    ids = [rows[index][0] for _, _, index in best]
    if not ids:
        return []
    return _all(conn, backend.sql(f"SELECT {_CARD_COLUMNS} FROM customer WHERE id IN ({', '.join('?' * len(ids))})"),
                ids)


def show(backend: Backend, conn, scope: Scope, customer_id: int, today: datetime) -> list:
    """The card's reads: the customer, owner, last 5 follow-ups, contacts, open orders, contact days."""
    where, params = scope.where()
    since = today - timedelta(days=730)
    out = _all(conn, backend.sql(
        "SELECT id, name, owner_id, tier, stage, phone, email, industry, region, tags, next_followup_at, next_step, "
        f"last_contact_at, notes FROM customer WHERE id = ? AND {where}"), [customer_id, *params])
    out += _all(conn, backend.sql("SELECT display_name, name FROM app_user WHERE id = ?"), [out[0][2]])
    out += _all(conn, backend.sql(
        "SELECT f.kind, f.text, f.happened_at, u.display_name, u.name FROM followup f JOIN app_user u "
        "ON u.id = f.author_id WHERE f.customer_id = ? AND f.deleted_at IS NULL "
        "ORDER BY f.happened_at DESC, f.id DESC LIMIT 5"), [customer_id])
    out += _all(conn, backend.sql("SELECT * FROM contact WHERE customer_id = ? AND deleted_at IS NULL ORDER BY id"),
                [customer_id])
    out += _all(conn, backend.sql(
        "SELECT id, amount, currency, ordered_on, payment_due FROM sales_order WHERE customer_id = ? "
        "AND paid_at IS NULL AND deleted_at IS NULL ORDER BY ordered_on DESC LIMIT 5"), [customer_id])
    out += _all(conn, backend.sql(f"SELECT DISTINCT {backend.day_of('happened_at')} FROM followup WHERE customer_id = ? "
                                  "AND deleted_at IS NULL AND happened_at >= ?"), [customer_id, backend.instant(since)])
    out += _all(conn, backend.sql("SELECT DISTINCT ordered_on FROM sales_order WHERE customer_id = ? "
                                  "AND deleted_at IS NULL AND ordered_on >= ?"), [customer_id, since.date()])
    return out


def log(backend: Backend, conn, scope: Scope, customer_id: int, now: datetime, text: str, tag: str) -> None:
    """One follow-up in one transaction: close the open step, insert, update the customer, audit."""
    at = backend.instant(now.astimezone(UTC))
    cursor = conn.cursor()
    cursor.execute("BEGIN IMMEDIATE" if backend.name == "sqlite" else "BEGIN")
    cursor.execute(backend.sql("UPDATE followup SET done_at = ? WHERE customer_id = ? AND done_at IS NULL "
                               "AND next_due_at IS NOT NULL"), [at, customer_id])
    cursor.execute(backend.sql(
        "INSERT INTO followup (customer_id, author_id, kind, text, happened_at, next_due_has_time, source_platform, "
        "source_message_id, created_at) VALUES (?, ?, 'call', ?, ?, ?, 'console', ?, ?)"),
        [customer_id, scope.user_id, text, at, False, tag, at])
    cursor.execute(backend.sql("UPDATE customer SET last_contact_at = ?, next_followup_at = NULL, next_step = NULL, "
                               "updated_at = ? WHERE id = ?"), [at, at, customer_id])
    cursor.execute(backend.sql("INSERT INTO audit_log (tenant, user_id, platform, action, entity, entity_id, after, at) "
                               "VALUES (?, ?, 'console', 'create', 'followup', NULL, ?, ?)"),
                   [scope.tenant, scope.user_id, text, at])
    cursor.execute("COMMIT")


def _all(conn, sql: str, params: list) -> list:
    cursor = conn.cursor()
    cursor.execute(sql, params)
    return cursor.fetchall()


def survey_link(backend: Backend, conn, scope: Scope, customer_id: int, now: datetime, nonce: str) -> None:
    """A survey link in one transaction: the customer in scope, the signing key, the invite, the audit row."""
    where, params = scope.where()
    at = backend.instant(now.astimezone(UTC))
    cursor = conn.cursor()
    cursor.execute("BEGIN IMMEDIATE" if backend.name == "sqlite" else "BEGIN")
    cursor.execute(backend.sql(f"SELECT id, tenant, owner_id FROM customer WHERE id = ? AND {where}"),
                   [customer_id, *params])
    cursor.fetchall()
    cursor.execute(backend.sql("SELECT value FROM app_secret WHERE name = ?"), ["survey_links"])
    cursor.fetchall()
    cursor.execute(backend.sql(
        "INSERT INTO survey_invite (tenant, customer_id, nonce, scale, lang, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, 'five', 'zh', ?, ?, ?)"),
        [scope.tenant, customer_id, nonce, scope.user_id, at, backend.instant((now + timedelta(days=30)).astimezone(UTC))])
    cursor.execute(backend.sql("INSERT INTO audit_log (tenant, user_id, platform, action, entity, entity_id, after, at) "
                               "VALUES (?, ?, 'console', 'create', 'survey_invite', NULL, ?, ?)"),
                   [scope.tenant, scope.user_id, nonce, at])
    cursor.execute("COMMIT")


def pipeline(backend: Backend, conn, scope: Scope, *, owner_only: bool) -> list:
    """The funnel's grouped read: open deals by stage, currency and close date, and this month's closed ones."""
    where, params = scope.where("c")
    owner = " AND o.owner_id = ?" if owner_only else ""
    extra = [scope.user_id] if owner_only else []
    return _all(conn, backend.sql(
        "SELECT o.stage, o.currency, o.expected_close, count(*), coalesce(sum(o.amount), 0) FROM opportunity o "
        f"JOIN customer c ON c.id = o.customer_id WHERE o.tenant = ? AND o.deleted_at IS NULL AND {where}{owner} "
        "AND (o.status = 'open' OR (o.status IN ('won', 'lost') AND o.closed_at >= ?)) "
        "GROUP BY o.stage, o.currency, o.expected_close"),
        [scope.tenant, *params, *extra, backend.instant(datetime(2026, 11, 1, tzinfo=UTC))])


def pool(backend: Backend, conn, scope: Scope) -> list:
    """A page of the team's public pool with its previous owners."""
    teams = scope.team_ids or (0,)
    marks = ", ".join("?" * len(teams))
    return _all(conn, backend.sql(
        "SELECT c.id, c.name, c.region, r.released_at, u.name FROM customer c JOIN pool_release r ON "
        "r.customer_id = c.id AND r.ended_at IS NULL JOIN app_user u ON u.id = r.previous_owner_id "
        f"WHERE c.tenant = ? AND c.pooled_at IS NOT NULL AND c.deleted_at IS NULL AND c.team_id IN ({marks}) "
        "ORDER BY r.released_at DESC, c.id LIMIT 20"), [scope.tenant, *teams])


def purchases(backend: Backend, conn, customer_id: int, today: datetime) -> list:
    """The card's purchase history as plain SQL: the figures per currency, the latest three orders, the live
    contracts (three statements where the product folds them into the card's orders statement)."""
    since = (today - timedelta(days=365)).date()
    out = _all(conn, backend.sql(
        "SELECT currency, sum(amount), sum(CASE WHEN ordered_on > ? THEN amount ELSE 0 END), count(*), "
        "max(ordered_on) FROM sales_order WHERE customer_id = ? AND deleted_at IS NULL GROUP BY currency"),
        [since, customer_id])
    out += _all(conn, backend.sql(
        "SELECT id, amount, currency, ordered_on, payment_due, paid_at, items FROM sales_order WHERE customer_id = ? "
        "AND deleted_at IS NULL ORDER BY ordered_on DESC, id DESC LIMIT 3"), [customer_id])
    out += _all(conn, backend.sql(
        "SELECT c.id, c.title, c.amount, c.currency, c.starts_on, c.ends_on, c.auto_renew, s.id FROM contract c "
        "LEFT JOIN contract s ON s.renewed_from_id = c.id WHERE c.customer_id = ? AND c.deleted_at IS NULL "
        "AND c.ended_on IS NULL AND (c.ends_on IS NULL OR c.ends_on >= ?) ORDER BY c.ends_on LIMIT 6"),
        [customer_id, today.date()])
    return out


def redeem(backend: Backend, conn, scope: Scope, customer_id: int, now: datetime, points: int) -> None:
    """A redemption in one transaction: the customer in scope, the balance update, the ledger row, the audit row."""
    where, params = scope.where()
    at = backend.instant(now.astimezone(UTC))
    cursor = conn.cursor()
    cursor.execute("BEGIN IMMEDIATE" if backend.name == "sqlite" else "BEGIN")
    cursor.execute(backend.sql(f"SELECT id, tenant FROM customer WHERE id = ? AND {where}"), [customer_id, *params])
    cursor.fetchall()
    cursor.execute(backend.sql("UPDATE loyalty_account SET balance = balance - ? WHERE customer_id = ? "
                               "AND balance >= ?"), [points, customer_id, points])
    cursor.execute(backend.sql("INSERT INTO points_entry (tenant, customer_id, kind, delta, balance_after, remaining, "
                               "reason, created_at) VALUES (?, ?, 'redeem', ?, 0, 0, 'floor', ?)"),
                   [scope.tenant, customer_id, -points, at])
    cursor.execute(backend.sql("INSERT INTO audit_log (tenant, user_id, platform, action, entity, entity_id, after, at) "
                               "VALUES (?, ?, 'console', 'create', 'points', NULL, 'floor', ?)"),
                   [scope.tenant, scope.user_id, at])
    cursor.execute("COMMIT")


def points(backend: Backend, conn, scope: Scope, customer_id: int) -> list:
    """`points`: the customer in scope, the balance, the latest ten ledger entries."""
    where, params = scope.where()
    out = _all(conn, backend.sql(f"SELECT id, name FROM customer WHERE id = ? AND {where}"), [customer_id, *params])
    out += _all(conn, backend.sql("SELECT balance FROM loyalty_account WHERE customer_id = ?"), [customer_id])
    out += _all(conn, backend.sql("SELECT kind, delta, balance_after, reason, order_id, created_at FROM points_entry "
                                  "WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT 10"), [customer_id])
    return out


def dupes(backend: Backend, conn, scope: Scope) -> list:
    """`dupes`: the scope's customers grouped by each exact signal, and their names and readings."""
    where, params = scope.where()
    out: list = []
    for column in ("phone", "email", "name_key"):
        out += _all(conn, backend.sql(
            f"SELECT {column}, min(id), max(id) FROM customer WHERE {where} AND {column} IS NOT NULL "
            f"AND {column} != '' GROUP BY {column} HAVING count(*) > 1"), params)
    out += _all(conn, backend.sql(f"SELECT id, name, name_key, pinyin_full FROM customer WHERE {where} ORDER BY id"),
                params)
    return out
