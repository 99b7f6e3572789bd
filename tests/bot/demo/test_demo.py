"""The demo generator: repeatable per seed, realistic enough that digests and warnings show up at once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.calendar.birthdays import Birthday, birthday_keys_for
from bot.calendar.lunar import leap_month_of, lunar_month_length
from bot.demo import DemoError, generate_demo
from bot.text.identity import normalize_email, normalize_phone
from tests.support.databases import truncate_all

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = NOW.date()

# Every table's content with ids replaced by natural keys, so two runs compare equal on any backend.
DUMP = {
    "users": "SELECT u.name, u.display_name, u.role, t.name, u.timezone, u.morning_hour FROM app_user u "
             "LEFT JOIN team t ON t.id = u.team_id ORDER BY u.name",
    "customers": "SELECT c.name, c.phone, c.email, c.tier, c.stage, c.tags, u.name, c.created_at, c.next_followup_at "
                 "FROM customer c JOIN app_user u ON u.id = c.owner_id ORDER BY c.id",
    "contacts": "SELECT c.name, k.name, k.phone, k.birthday_month, k.birthday_day, k.birthday_is_lunar, "
                "k.birthday_is_leap_month, k.birthday_year FROM contact k JOIN customer c ON c.id = k.customer_id "
                "ORDER BY k.id",
    "followups": "SELECT c.name, f.kind, f.text, f.happened_at, f.next_due_date, f.done_at FROM followup f "
                 "JOIN customer c ON c.id = f.customer_id ORDER BY f.id",
    "orders": "SELECT c.name, o.amount, o.ordered_on, o.payment_due, o.paid_at FROM sales_order o "
              "JOIN customer c ON c.id = o.customer_id ORDER BY o.id",
    "deals": "SELECT c.name, d.title, d.stage, d.amount, d.expected_close, d.stage_since FROM opportunity d "
             "JOIN customer c ON c.id = d.customer_id ORDER BY d.id",
    "contracts": "SELECT c.name, k.title, k.amount, k.starts_on, k.ends_on, k.auto_renew, k.renewed_from_id IS NULL "
                 "FROM contract k JOIN customer c ON c.id = k.customer_id ORDER BY k.id",
}


def dump(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {name: hashlib.sha256(repr(conn.execute(text(sql)).all()).encode()).hexdigest()
                for name, sql in DUMP.items()}


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.fixture
def demo(engine, settings):
    return generate_demo(engine, settings, customers=300, seed=7, now=NOW)


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(engine, settings, demo):
    first = dump(engine)
    _wipe(engine)
    generate_demo(engine, settings, customers=300, seed=7, now=NOW)
    assert dump(engine) == first
    _wipe(engine)
    generate_demo(engine, settings, customers=300, seed=8, now=NOW)
    assert dump(engine)["customers"] != first["customers"]


def _wipe(engine):
    if engine.dialect.name == "postgresql":
        truncate_all(engine)
        return
    with engine.begin() as conn:
        for table in ("contract", "deal_stage", "sales_order", "opportunity", "followup", "contact", "customer", "manager_team",
                      "user_identity", "app_user", "team"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_birthdays_cover_lunar_leap_months_feb_29_and_today(engine, demo):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT birthday_month, birthday_day, birthday_is_lunar, birthday_is_leap_month, "
                                 "birthday_year FROM contact WHERE birthday_month IS NOT NULL")).all()
    birthdays = [Birthday(m, d, bool(lunar), bool(leap), y) for m, d, lunar, leap, y in rows]  # all valid
    lunar = [b for b in birthdays if b.is_lunar]
    assert 0.3 < len(lunar) / len(birthdays) < 0.5
    assert any(b.is_leap_month and b.year and leap_month_of(b.year) == b.month for b in lunar)
    assert any((b.month, b.day) == (2, 29) and not b.is_lunar for b in birthdays)
    assert all(b.day <= lunar_month_length(b.year, b.month, b.is_leap_month) for b in lunar if b.year)
    keys = birthday_keys_for(TODAY)
    assert any(keys.includes(b) and not b.is_lunar for b in birthdays)
    assert any(keys.includes(b) and b.is_lunar for b in birthdays)


def test_an_organisation_with_teams_managers_and_reps_in_several_zones(engine, demo):
    assert demo.teams == 4
    assert scalar(engine, "SELECT count(DISTINCT timezone) FROM app_user WHERE role = 'rep'") >= 4
    assert scalar(engine, "SELECT count(*) FROM manager_team") == 4
    assert scalar(engine, "SELECT count(*) FROM user_identity WHERE platform = 'console' AND external_id = 'mgr_east'") == 1


def test_history_has_rhythms_due_steps_overdue_payments_and_silent_customers(engine, demo):
    assert demo.followups > 300 * 10
    days = scalar(engine, "SELECT count(DISTINCT substr(CAST(happened_at AS TEXT), 1, 7)) FROM followup")
    assert days >= 20  # months with follow-ups: spread over about two years
    open_today = scalar(engine, "SELECT count(*) FROM followup WHERE done_at IS NULL AND next_due_date = :d", d=TODAY)
    assert open_today > 0
    assert scalar(engine, "SELECT count(*) FROM sales_order WHERE paid_at IS NULL AND payment_due < :d", d=TODAY) > 0
    assert scalar(engine, "SELECT count(*) FROM customer WHERE stage IN ('at_risk', 'churned')") > 0
    english = scalar(engine, "SELECT count(*) FROM customer WHERE name = pinyin_full OR name LIKE '% %'")
    assert 0 < english < 300


def test_phones_and_emails_are_stored_normalised(engine, demo):
    with engine.connect() as conn:
        phones = [p for (p,) in conn.execute(text("SELECT phone FROM customer WHERE phone IS NOT NULL UNION ALL "
                                                  "SELECT phone FROM contact WHERE phone IS NOT NULL"))]
        emails = [e for (e,) in conn.execute(text("SELECT email FROM customer WHERE email IS NOT NULL"))]
    assert phones and all(normalize_phone(p) == p for p in phones)
    assert len(set(phones)) == len(phones)
    assert emails and all(normalize_email(e) == e for e in emails)


def test_a_database_with_data_is_refused(engine, settings, demo):
    with pytest.raises(DemoError, match="already has data"):
        generate_demo(engine, settings, customers=10, seed=1, now=NOW)


def test_a_pipeline_with_every_stage_stuck_and_past_close_deals(engine, demo):
    by_stage = dict(_rows(engine, "SELECT stage, count(*) FROM opportunity GROUP BY stage"))
    assert set(by_stage) == {"qualify", "needs", "proposal", "negotiation", "won", "lost"}
    assert by_stage["qualify"] > by_stage["negotiation"]  # fewer the further they go
    assert scalar(engine, "SELECT count(*) FROM opportunity WHERE status = 'open' AND expected_close < :d",
                  d=TODAY) > 0
    assert scalar(engine, "SELECT count(*) FROM opportunity WHERE status = 'open' AND stage_since < :t",
                  t=NOW.replace(day=1)) > 0  # stuck for weeks
    # every deal has exactly one current stay, in its own stage, and its stays chain
    assert scalar(engine, "SELECT count(*) FROM opportunity d WHERE (SELECT count(*) FROM deal_stage s "
                          "WHERE s.deal_id = d.id AND s.left_at IS NULL) != 1") == 0
    assert scalar(engine, "SELECT count(*) FROM opportunity d JOIN deal_stage s ON s.deal_id = d.id "
                          "AND s.left_at IS NULL WHERE s.stage != d.stage") == 0
    assert scalar(engine, "SELECT count(*) FROM opportunity WHERE status = 'lost' AND lost_reason IS NULL") == 0


def _rows(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


def test_contracts_are_generated_in_force_expiring_renewed_and_automatic(engine, demo):
    from datetime import timedelta

    from sqlmodel import Session, select

    from storage.models import Contract

    with Session(engine) as session:
        contracts = list(session.exec(select(Contract)).all())
    assert demo.contracts == len(contracts) > 30
    today = NOW.date()
    live = [c for c in contracts if c.ends_on >= today]
    assert any(c.ends_on <= today + timedelta(days=30) for c in live)  # something for the renewal reminders
    assert any(c.auto_renew for c in live) and any(not c.auto_renew for c in live)
    by_id = {c.id: c for c in contracts}
    renewals = [c for c in contracts if c.renewed_from_id is not None]
    assert renewals and all(by_id[c.renewed_from_id].ends_on < c.starts_on for c in renewals)
    assert all(c.starts_on <= c.ends_on and c.amount > 0 for c in contracts)
