"""A second set of vendor-layout exports (written after the first set was passing; other rows, other column
orders, messier values): imported into an empty book, every row with a name comes in, the only rows refused are
those without any name, every column is listed in the summary as mapped or ignored, and the next activities
and last activities reach the database as open next steps and last-contact dates."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.cli_commands.importer import print_report

FRESH = Path(__file__).parent / "fixtures" / "fresh"

# file: (layout, rows, customers created, rows rejected, open next steps, customers with a last contact)
LAYOUTS = {
    "hubspot_contacts.csv": ("HubSpot contacts", 4, 2, 1, 2, 1),
    "hubspot_companies.csv": ("HubSpot companies", 2, 2, 0, 1, 1),
    "salesforce_account.csv": ("Salesforce Account", 3, 3, 0, 0, 2),
    "salesforce_contact.csv": ("Salesforce Contact", 3, 2, 0, 0, 1),
    "zoho_accounts.csv": ("Zoho Accounts", 2, 2, 0, 0, 1),
    "pipedrive_organizations.csv": ("Pipedrive organizations", 2, 2, 0, 1, 1),
    "pipedrive_persons.csv": ("Pipedrive persons", 3, 2, 0, 1, 2),
    "dingtalk_customers.csv": ("钉钉客户管理", 2, 2, 0, 2, 2),
    "fxiaoke_customers.csv": ("纷享销客", 2, 2, 0, 1, 1),
    "wecom_customers.csv": ("企业微信", 2, 2, 0, 0, 0),
    "ledger.csv": ("客户台账", 3, 3, 0, 1, 2),  # a row with only a contact's name is that person's customer
}


def summary_of(report) -> str:
    stream = io.StringIO()
    print_report(report, user_name="boss", stream=stream)
    return stream.getvalue()


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_fresh_vendor_export_imports_every_named_row_and_lists_every_column(name, run_import, engine, tmp_path):
    layout, rows, created, rejected, steps, contacted = LAYOUTS[name]

    report = run_import(FRESH / name, lang="zh", errors_path=tmp_path / "errors.csv")

    summary = summary_of(report)
    assert report.header_map.profile == layout, summary
    assert (report.rows, report.created, report.rejected) == (rows, created, rejected), summary
    assert report.created + report.merged + report.skipped + report.rejected == report.rows, summary
    assert report.skipped == 0 and report.balanced, summary
    for header in (h for h in report.header_map.headers if h):
        assert f"    {header} → " in summary, (header, summary)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customer")).scalar_one() == created
        open_steps = conn.execute(text(
            "SELECT count(*) FROM followup WHERE next_due_at IS NOT NULL AND done_at IS NULL")).scalar_one()
        with_contact = conn.execute(text(
            "SELECT count(*) FROM customer WHERE last_contact_at IS NOT NULL")).scalar_one()
    assert (open_steps, with_contact) == (steps, contacted), summary


def test_messy_values_cost_cells_not_rows(run_import, engine, tmp_path):
    """A birthday that does not exist and an amount in 万 are set aside or read; the row is in either way."""
    report = run_import(FRESH / "ledger.csv", lang="zh", errors_path=tmp_path / "errors.csv")
    assert report.set_aside >= 1
    with engine.connect() as conn:
        notes = conn.execute(text("SELECT notes FROM customer WHERE name = '上海浦江物流有限公司'")).scalar_one()
        tier = conn.execute(text("SELECT tier FROM customer WHERE name = '上海浦江物流有限公司'")).scalar_one()
    assert "1990-02-30" in (notes or "") and tier == "vip"
    errors = (tmp_path / "errors.csv").read_text(encoding="utf-8-sig")
    assert "1990-02-30" in errors
