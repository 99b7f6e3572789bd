"""Export: only what the user may see, admins and managers only, audited, and re-importable."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

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
    assert json.loads(after) == {"contacts": 2, "customers": 1, "file": "east.csv", "format": "csv"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_exported_file_imports_again_as_the_same_customers(engine, settings, user, book, tmp_path, clock, lang):
    exported = export_customers(engine, settings, user=user("boss"), path=tmp_path / f"all-{lang}.xlsx", lang=lang)
    with unit_of_work(engine) as session:
        session.exec(text("DELETE FROM contact"))
        session.exec(text("DELETE FROM followup"))
        session.exec(text("DELETE FROM customer"))

    report = import_customers(engine, user=user("boss"), path=exported.path, options=ImportOptions(workers=1), clock=clock)

    assert (report.created, report.rejected, report.noted) == (2, 0, 0)
    with engine.connect() as conn:
        acme = conn.execute(text("SELECT c.tier, c.stage, c.tags, u.name FROM customer c JOIN app_user u "
                                 "ON u.id = c.owner_id WHERE c.name = 'Acme'")).one()
        contact = conn.execute(text("SELECT name, birthday_month, birthday_day, birthday_is_lunar FROM contact")).one()
    assert tuple(acme) == ("key", "repeat", ",vip,expo,", "alice")
    assert tuple(contact) == ("王芳", 3, 5, 1)
