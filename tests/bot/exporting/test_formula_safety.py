"""Exports never carry live formulas (OWASP CSV injection), and importing an export gives back the text."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from bot.exporting import export_customers
from bot.importing import ImportOptions, acting_user, import_customers
from bot.services.customers import search_keys
from bot.text.hygiene import formula_restored, formula_safe
from storage.models import Customer
from storage.uow import unit_of_work

DANGEROUS = ["=2+3 Corp", "@SUM(A1)", "+86 Trading", "-1 Minus Ltd", "=HYPERLINK(\"http://x\",\"y\")",
             "'=already quoted", "''@twice"]
HARMLESS = ["Acme", "O'Brien & Sons", "'quoted name", "张伟贸易"]


@pytest.fixture
def config_overrides():
    return {"roles": {"admins": ["boss"]}}


@pytest.fixture
def boss(engine, settings):
    with unit_of_work(engine) as session:
        return acting_user(session, settings, "boss")


@pytest.fixture
def book(engine, boss, clock):
    now = clock.now()
    with unit_of_work(engine) as session:
        for name in DANGEROUS + HARMLESS:
            session.add(Customer(tenant=boss.tenant, name=name, owner_id=boss.id, created_at=now, updated_at=now,
                                 notes="=cmd|' /C calc'!A0", industry="\t=1+1", **search_keys(name).__dict__))
    return DANGEROUS + HARMLESS


def test_csv_cells_that_start_like_a_formula_are_quoted(engine, settings, boss, book, tmp_path):
    report = export_customers(engine, settings, user=boss, path=tmp_path / "all.csv", lang="en")
    with report.path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    names = {row["name"] for row in rows}
    assert names == {formula_safe(name) for name in book}
    assert "'=2+3 Corp" in names and "'@SUM(A1)" in names and "''=already quoted" in names
    assert "Acme" in names and "'quoted name" in names  # nothing added where nothing is dangerous
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
        assert row["notes"] == "'=cmd|' /C calc'!A0"


def test_xlsx_cells_are_plain_strings_never_formulas(engine, settings, boss, book, tmp_path):
    report = export_customers(engine, settings, user=boss, path=tmp_path / "all.xlsx", lang="en")
    sheet = load_workbook(report.path).active
    header = [cell.value for cell in sheet[1]]
    name_col = header.index("name")
    cells = [row[name_col] for row in sheet.iter_rows(min_row=2)]
    assert {cell.value for cell in cells} == set(book)  # the original text, no quote added
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    formula_like = [cell for cell in cells if cell.value.startswith(("=", "+", "-", "@"))]
    assert formula_like and all(cell.data_type == "s" and cell.quotePrefix for cell in formula_like)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_importing_an_export_gives_back_the_original_text(engine, settings, boss, book, tmp_path, clock, suffix):
    exported = export_customers(engine, settings, user=boss, path=tmp_path / f"all.{suffix}", lang="zh")
    with unit_of_work(engine) as session:
        session.exec(text("DELETE FROM customer"))
    report = import_customers(engine, user=boss, path=exported.path, options=ImportOptions(workers=1), clock=clock)
    assert report.rejected == 0
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, notes, industry FROM customer")).all()
    assert sorted(name for name, _, _ in rows) == sorted(book)
    assert {(notes, industry) for _, notes, industry in rows} == {("=cmd|' /C calc'!A0", "=1+1")}


def test_the_quote_rule_is_reversible():
    for value in [*DANGEROUS, *HARMLESS, "", "'", "''", "'-", "\t", "\r=x", "a=b"]:
        assert formula_restored(formula_safe(value)) == value
