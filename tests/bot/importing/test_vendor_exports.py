"""Exports of the CRMs and spreadsheets teams leave behind, built from the vendors' documented columns with
messy values, imported into an empty book: every row in, every column accounted for."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.cli_commands.importer import print_report

FIXTURES = Path(__file__).parent / "fixtures"

# file: (layout recognised, rows in the file, customers created, rows rejected)
LAYOUTS = {
    "hubspot_contacts.csv": ("HubSpot contacts", 5, 4, 0),
    "hubspot_companies.csv": ("HubSpot companies", 4, 4, 0),
    "salesforce_account.csv": ("Salesforce Account", 4, 4, 0),
    "salesforce_contact.csv": ("Salesforce Contact", 4, 3, 0),
    "zoho_accounts.csv": ("Zoho Accounts", 3, 3, 0),
    "pipedrive_organizations.csv": ("Pipedrive organizations", 3, 3, 0),
    "pipedrive_persons.csv": ("Pipedrive persons", 3, 2, 0),
    "dingtalk_customers.csv": ("钉钉客户管理", 3, 3, 0),
    "fxiaoke_customers.csv": ("纷享销客", 3, 3, 0),
    "wecom_customers.csv": ("企业微信", 3, 3, 0),
    "ledger.csv": ("客户台账", 4, 3, 1),
}


def summary_of(report) -> str:
    stream = io.StringIO()
    print_report(report, user_name="boss", stream=stream)
    return stream.getvalue()


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_row_of_a_vendor_export_imports_and_every_column_is_listed(name, run_import, engine, tmp_path):
    layout, rows, created, rejected = LAYOUTS[name]

    report = run_import(FIXTURES / name, lang="en", errors_path=tmp_path / "errors.csv")

    summary = summary_of(report)
    assert report.header_map.profile == layout, summary
    assert (report.rows, report.created, report.rejected) == (rows, created, rejected), summary
    assert report.created + report.merged + report.skipped + report.rejected == report.rows
    assert report.balanced, summary
    for header in (h for h in report.header_map.headers if h):
        assert f"    {header} → " in summary, header
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customer")).scalar_one() == created



def rows_of(engine, sql: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(text(sql)).mappings()]


def test_a_people_export_puts_people_under_their_company_with_their_activity(run_import, engine, tmp_path):
    report = run_import(FIXTURES / "hubspot_contacts.csv", errors_path=tmp_path / "e.csv")

    assert report.header_map.contacts and report.merged == 1  # Wang Wei joins Acme Corp, whatever the policy
    [acme] = rows_of(engine, "SELECT c.*, u.name AS owner FROM customer c JOIN app_user u ON u.id = c.owner_id "
                             "WHERE c.name = 'Acme Corp'")
    people = rows_of(engine, f"SELECT name, phone, email FROM contact WHERE customer_id = {acme['id']} ORDER BY id")
    assert [(p["name"], p["phone"]) for p in people] == [("Li Na", "+14155552671"), ("Wang Wei", "+8613800138001")]
    assert acme["owner"] == "alice"  # "alice@example.com" and "Alice" are both alice
    assert acme["stage"] == "first_purchase" and str(acme["last_contact_at"]).startswith("2024-03-28")
    [step] = rows_of(engine, f"SELECT * FROM followup WHERE customer_id = {acme['id']}")
    assert step["next_due_has_time"] and step["done_at"] is None and str(step["next_due_date"]) == "2026-12-20"
    assert acme["next_followup_at"] is not None
    [person] = rows_of(engine, "SELECT kind FROM customer WHERE name = 'Zhang San'")  # no company: their own customer
    assert person["kind"] == "person"


def test_salesforce_contacts_read_us_numbers_and_us_dates(run_import, engine, tmp_path):
    run_import(FIXTURES / "salesforce_contact.csv", errors_path=tmp_path / "e.csv")

    [rose] = rows_of(engine, "SELECT * FROM contact WHERE name = 'Rose Gonzalez'")
    assert rose["phone"] == "+15127576000"
    assert (rose["birthday_year"], rose["birthday_month"], rose["birthday_day"]) == (1988, 5, 17)
    assert len(rows_of(engine, "SELECT id FROM contact WHERE customer_id = "
                               "(SELECT id FROM customer WHERE name = 'Edge Communications')")) == 2


def test_a_teams_own_ledger_keeps_levels_dates_lunar_birthdays_and_amounts(run_import, engine, tmp_path):
    report = run_import(FIXTURES / "ledger.csv", errors_path=tmp_path / "e.csv")

    [nanjing] = rows_of(engine, "SELECT * FROM customer WHERE name = '南京汇丰建材有限公司'")
    assert (nanjing["tier"], nanjing["tier_manual"]) == ("vip", 1)
    assert nanjing["region"] == "江苏省 南京市 鼓楼区"
    assert "合同金额: 50000" in nanjing["notes"] and "微信: zhaoliu_wx" in nanjing["notes"]
    assert str(nanjing["last_contact_at"]).startswith("2024-03-05")
    [contact] = rows_of(engine, f"SELECT * FROM contact WHERE customer_id = {nanjing['id']}")
    assert (contact["birthday_is_lunar"], contact["birthday_year"], contact["birthday_month"], contact["birthday_day"]) == (
        1, 1985, 3, 5)
    [step] = rows_of(engine, f"SELECT * FROM followup WHERE customer_id = {nanjing['id']}")
    assert str(step["next_due_date"]) == "2026-12-20" and not step["next_due_has_time"]
    assert report.rejected == 1 and report.header_map.header_row == 2


def test_excel_serials_compact_dates_and_float_phones(run_import, engine, tmp_path):
    run_import(FIXTURES / "fxiaoke_customers.csv", errors_path=tmp_path / "e.csv")

    stored = {row["name"]: row for row in rows_of(engine, "SELECT * FROM customer")}
    assert str(stored["成都嘉禾餐饮管理有限公司"]["last_contact_at"]).startswith("2024-03-05")  # serial 45356
    assert str(stored["广州鼎盛食品有限公司"]["last_contact_at"]).startswith("2024-02-15")  # 20240215
    assert stored["广州鼎盛食品有限公司"]["phone"] == "+8613500135000"  # 13500135000.0
    assert stored["成都嘉禾餐饮管理有限公司"]["stage"] == "repeat"  # 多次成交


def test_the_file_decides_whether_slashed_dates_are_day_or_month_first(tmp_path, run_import, engine):
    from tests.bot.importing.spreadsheets import write_csv

    path = write_csv(tmp_path / "d.csv", [["name", "last activity date"], ["A", "03/04/2024"], ["B", "25/04/2024"]])

    run_import(path)

    dates = {row["name"]: str(row["last_contact_at"]) for row in rows_of(engine, "SELECT * FROM customer")}
    assert dates["A"].startswith("2024-04-03") and dates["B"].startswith("2024-04-25")


def test_the_documented_vendor_word_table_is_the_one_the_importer_uses():
    from bot.importing.vocabulary import vocabulary_table

    doc = (Path(__file__).parents[3] / "docs" / "importing.md").read_text(encoding="utf-8")
    for field, value, words in vocabulary_table():
        assert f"| {field} | {value} | {words} |" in doc


def test_a_data_row_is_never_taken_for_the_header(tmp_path, run_import):
    from bot.importing import HeaderError
    from tests.bot.importing.spreadsheets import write_csv

    path = write_csv(tmp_path / "x.csv", [["Kunde", "Telefon"], ["客户", "13800138000"], ["Name", "13800138001"]])

    with pytest.raises(HeaderError, match="no column holds the customer name"):
        run_import(path)
