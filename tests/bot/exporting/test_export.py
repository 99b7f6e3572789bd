"""Export: only what the user may see, admins and managers only, audited, and re-importable."""

from __future__ import annotations

import csv
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import select

from bot.exporting import ExportNotAllowed, UnsupportedFormat, export_customers
from bot.importing import ImportOptions, acting_user, import_customers
from bot.services.customers import search_keys
from storage.models import Contact, Customer, FollowUp
from storage.uow import unit_of_work


@pytest.fixture
def config_overrides():
    return {"roles": {"admins": ["boss"]},
            "teams": [{"name": "East", "managers": ["mia"], "members": ["alice"]}, {"name": "West", "members": ["carol"]}]}


@pytest.fixture
def user(engine, settings):
    def make(name: str):
        with unit_of_work(engine) as session:
            return acting_user(session, settings, name)
    return make


@pytest.fixture
def book(engine, user, clock):
    """Acme (alice, East) with two contacts and two follow-ups; Globex (carol, West); a deleted one."""
    alice, carol = user("alice"), user("carol")
    now = clock.now()
    with unit_of_work(engine) as session:
        def customer(name, owner, **fields):
            c = Customer(tenant=owner.tenant, name=name, owner_id=owner.id, team_id=owner.team_id, created_at=now,
                         updated_at=now, **search_keys(name).__dict__, **fields)
            session.add(c)
            session.flush()
            return c
        acme = customer("Acme", alice, phone="+8613800138000", tier="key", stage="repeat", tags=",vip,expo,")
        customer("Globex", carol)
        customer("Gone Ltd", alice, deleted_at=now)
        session.add_all([
            Contact(customer_id=acme.id, name="王芳", title="采购经理", birthday_month=3, birthday_day=5,
                    birthday_is_lunar=True, birthday_year=1985),
            Contact(customer_id=acme.id, name="Li Na", phone="+8613900139000"),
            FollowUp(customer_id=acme.id, author_id=alice.id, kind="call", text="first call",
                     happened_at=now - timedelta(days=9)),
            FollowUp(customer_id=acme.id, author_id=alice.id, kind="visit", text="signed the renewal",
                     happened_at=now - timedelta(days=2)),
        ])
    return acme


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_a_manager_exports_their_teams_customers_with_contacts_and_last_follow_up(engine, settings, user, book, tmp_path):
    report = export_customers(engine, settings, user=user("mia"), path=tmp_path / "east.csv", lang="zh")

    rows = read_csv(report.path)
    assert [r["客户名称"] for r in rows] == ["Acme"]  # not carol's Globex, not the deleted one
    acme = rows[0]
    assert (acme["电话"], acme["负责人"], acme["团队"], acme["等级"], acme["阶段"]) == ("'+8613800138000", "alice", "East", "重点", "复购")  # formula-safe: a leading + is quoted
    assert (acme["联系人"], acme["职位"], acme["生日"]) == ("王芳", "采购经理", "农历1985年三月初五")
    assert acme["其他联系人"] == "Li Na · +8613900139000"  # not at the start: safe as it is
    assert acme["最近跟进"] == "visit · alice: signed the renewal"
    assert acme["标签"] == "vip,expo"
    assert (report.customers, report.contacts) == (1, 2)


def test_an_admin_exports_everything_to_xlsx(engine, settings, user, book, tmp_path):
    report = export_customers(engine, settings, user=user("boss"), path=tmp_path / "all.xlsx", lang="en")

    sheet = load_workbook(report.path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "name", "kind")
    assert sorted(r[1] for r in rows[1:]) == ["Acme", "Globex"]


def test_reps_are_refused_and_nothing_is_written(engine, settings, user, book, tmp_path):
    with pytest.raises(ExportNotAllowed, match="alice is a rep"):
        export_customers(engine, settings, user=user("alice"), path=tmp_path / "mine.csv")
    assert not (tmp_path / "mine.csv").exists()
    with pytest.raises(UnsupportedFormat):
        export_customers(engine, settings, user=user("boss"), path=tmp_path / "x.pdf")


def test_every_export_is_in_the_audit_log(engine, settings, user, book, tmp_path):
    export_customers(engine, settings, user=user("mia"), path=tmp_path / "east.csv")

    with engine.connect() as conn:
        [(action, user_name, after)] = conn.execute(text(
            "SELECT a.action, u.name, a.after FROM audit_log a JOIN app_user u ON u.id = a.user_id")).all()
    assert (action, user_name) == ("export", "mia")
    assert json.loads(after) == {"contacts": 2, "contracts": 0, "customers": 1, "file": "east.csv", "format": "csv"}


def _snapshot(engine) -> dict:
    """What a person would compare after a round trip: customers, contacts, orders, follow-ups, next steps."""
    with engine.connect() as conn:
        customers = {row.name: tuple(row) for row in conn.execute(text(
            "SELECT c.name, c.phone, c.tier, c.tier_manual, c.stage, c.tags, u.name AS owner, c.next_step "
            "FROM customer c JOIN app_user u ON u.id = c.owner_id WHERE c.deleted_at IS NULL"))}
        contacts = sorted(tuple(row) for row in conn.execute(text(
            "SELECT cu.name, co.name, co.title, co.phone, co.birthday_month, co.birthday_day, co.birthday_is_lunar "
            "FROM contact co JOIN customer cu ON cu.id = co.customer_id WHERE cu.deleted_at IS NULL")))
        orders = sorted((row[0], str(row[1]), f"{row[2]:.2f}", row[3]) for row in conn.execute(text(
            "SELECT cu.name, o.ordered_on, o.amount, o.items FROM sales_order o JOIN customer cu ON cu.id = o.customer_id")))
        steps = sorted((row[0], row[1], str(row[2])) for row in conn.execute(text(
            "SELECT cu.name, f.next_step, f.next_due_date FROM followup f JOIN customer cu ON cu.id = f.customer_id "
            "WHERE f.next_due_at IS NOT NULL AND f.done_at IS NULL")))
        last = {row[0]: row[1] for row in conn.execute(text(
            "SELECT cu.name, f.text FROM followup f JOIN customer cu ON cu.id = f.customer_id ORDER BY f.happened_at"))}
        history = sorted((row[0], row[1], row[2], str(row[3])[:16], row[4], row[5], str(row[6]), bool(row[7]),
                          row[8] is not None) for row in conn.execute(text(
            "SELECT cu.name, f.kind, f.text, f.happened_at, u.name, f.next_step, f.next_due_date, f.next_due_has_time, "
            "f.done_at FROM followup f JOIN customer cu ON cu.id = f.customer_id JOIN app_user u ON u.id = f.author_id "
            "WHERE f.deleted_at IS NULL AND cu.deleted_at IS NULL")))
    return {"customers": customers, "contacts": contacts, "orders": orders, "steps": steps, "last": last,
            "history": history}


@pytest.fixture
def busy_book(engine, user, book, clock):
    """The book plus what a real one has: an order, an open next step, a level set by hand."""
    from datetime import date
    from decimal import Decimal

    from storage.models import Order

    now = clock.now()
    with unit_of_work(engine) as session:
        acme = session.get(Customer, book.id)
        acme.tier_manual = True
        due = now + timedelta(days=3)
        acme.next_step, acme.next_followup_at = "send the quote", due
        session.add(FollowUp(customer_id=acme.id, author_id=acme.owner_id, kind="call", text="asked for a quote",
                             happened_at=now - timedelta(days=1), next_step="send the quote", next_due_at=due,
                             next_due_date=due.date(), next_due_has_time=True))
        session.add(Order(customer_id=acme.id, amount=Decimal("5000.00"), ordered_on=date(2026, 10, 1), items="10 pumps",
                          created_by=acme.owner_id))
        session.add(FollowUp(customer_id=acme.id, author_id=acme.owner_id, kind="meeting", text="met the buyer",
                             happened_at=now - timedelta(days=5), next_step="book the demo",
                             next_due_at=now - timedelta(days=4), next_due_date=(now - timedelta(days=4)).date(),
                             next_due_has_time=True, done_at=now - timedelta(days=4)))
        globex = session.exec(select(Customer).where(Customer.name == "Globex")).one()
        day = (now + timedelta(days=6)).date()
        morning = datetime.combine(day, time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
        globex.next_step, globex.next_followup_at = "call back", morning
        session.add(FollowUp(customer_id=globex.id, author_id=globex.owner_id, kind="call", text="no answer",
                             happened_at=now - timedelta(hours=3), next_step="call back", next_due_at=morning,
                             next_due_date=day, next_due_has_time=False))
    return book


@pytest.mark.parametrize(("lang", "suffix"), [("zh", "xlsx"), ("en", "xlsx"), ("zh", "csv"), ("en", "csv")])
def test_an_exported_file_imports_into_an_empty_book_as_the_same_customers(engine, settings, user, busy_book, tmp_path,
                                                                           clock, lang, suffix):
    before = _snapshot(engine)
    exported = export_customers(engine, settings, user=user("boss"), path=tmp_path / f"all-{lang}.{suffix}", lang=lang)
    with unit_of_work(engine) as session:
        for table in ("contact", "followup", "sales_order", "customer"):
            session.exec(text(f"DELETE FROM {table}"))

    report = import_customers(engine, user=user("boss"), path=exported.path, options=ImportOptions(workers=1), clock=clock)

    assert (report.created, report.rejected, report.noted) == (2, 0, 0)
    after = _snapshot(engine)
    assert after["customers"] == {k: v for k, v in before["customers"].items() if k != "Gone Ltd"}
    assert after["customers"]["Acme"][3] and not after["customers"]["Globex"][3]  # manual only where it was
    assert after["contacts"] == before["contacts"] and after["orders"] == before["orders"]
    assert after["steps"] == before["steps"]
    # every follow-up comes back: dates, kinds, authors, the done step done, the open ones open
    assert after["history"] == before["history"] and len(after["history"]) == 5
    assert report.followups_created == 5 and report.history
    assert after["last"]["Acme"] == "asked for a quote"
    with engine.connect() as conn:
        [(has_time, due)] = conn.execute(text(
            "SELECT f.next_due_has_time, f.next_due_date FROM followup f JOIN customer c ON c.id = f.customer_id "
            "WHERE c.name = 'Globex' AND f.done_at IS NULL")).all()
    assert not has_time and str(due) == before["steps"][1][2]  # a date-only step stays date-only


def test_an_edited_export_changes_exactly_the_edited_cells(engine, settings, user, busy_book, tmp_path, clock):
    exported = export_customers(engine, settings, user=user("boss"), path=tmp_path / "all.csv", lang="zh")
    rows = read_csv(exported.path)
    before = _snapshot(engine)
    for row in rows:
        if row["客户名称"] == "Acme":
            row["电话"] = "13700137000"  # a new number: by phone alone it would be a new customer
            row["负责人"] = "carol"
            row["联系人电话"] = "13911112222"
    with (tmp_path / "edited.csv").open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = import_customers(engine, user=user("boss"), path=tmp_path / "edited.csv",
                              options=ImportOptions(workers=1, on_duplicate="merge"), clock=clock)

    assert (report.created, report.merged) == (0, 2)
    after = _snapshot(engine)
    acme_before, acme_after = before["customers"]["Acme"], after["customers"]["Acme"]
    changed = {i for i, (a, b) in enumerate(zip(acme_before, acme_after, strict=True)) if a != b}
    assert changed == {1, 6}  # the phone and the owner, nothing else
    assert acme_after[1] == "+8613700137000" and acme_after[6] == "carol"
    assert after["customers"]["Globex"] == before["customers"]["Globex"]
    assert ("Acme", "王芳", "采购经理", "+8613911112222", 3, 5, 1) in after["contacts"]
    assert after["orders"] == before["orders"] and after["steps"] == before["steps"]
    with engine.connect() as conn:
        audited = {row[0] for row in conn.execute(text("SELECT entity FROM audit_log WHERE action = 'import_merge'"))}
    assert audited == {"customer", "contact"}
