"""Contracts through `crmbot export` and `crmbot import`: their own worksheet (XLSX) or file beside the CSV,
Chinese and English headers, a round trip that changes nothing, renewals linked once, bad rows explained."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook
from sqlmodel import Session, create_engine, select

from adapters.cli import main
from storage.models import Contract
from tests.bot.importing.spreadsheets import write_csv


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_ROLES__ADMINS", '["boss"]')
    return tmp_path


def _contracts(database_url) -> list[Contract]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Contract).order_by(Contract.id)).all())
    finally:
        engine.dispose()


def _seed(cli_env, capsys) -> None:
    assert main(["import", str(write_csv(cli_env / "c.csv", [["客户名称"], ["阿里巴巴"], ["Acme"]])), "--as", "boss"]) == 0
    contracts = write_csv(cli_env / "contracts.csv", [
        ["合同编号", "客户名称", "合同标题", "金额", "开始日期", "结束日期", "续约方式", "续自"],
        ["C1", "阿里巴巴", "年度服务合同", "一万二", "2025-01-01", "2025-12-31", "手动", ""],
        ["C2", "阿里巴巴", "年度服务合同", "1.2万", "2026-01-01", "2026-12-31", "自动", "C1"],
        ["C3", "Nobody Ltd", "Support", "100", "2026-01-01", "2026-12-31", "", ""],
        ["C4", "Acme", "Support", "abc", "2026-01-01", "2026-12-31", "", ""],
        ["C5", "Acme", "Support", "100", "2026-05-01", "2026-01-01", "", ""],
    ])
    assert main(["import", str(contracts), "--as", "boss", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Contracts from contracts.csv: 5 rows, 2 created, 0 unchanged, 1 renewals linked, 3 rejected" in out
    assert "line 4: no customer Nobody Ltd among yours" in out
    assert 'line 5: "abc" is not an amount' in out and "line 6: the end 2026-01-01 is before the start" in out


def test_a_contracts_file_imports_with_chinese_headers_and_amounts(cli_env, capsys, database_url):
    _seed(cli_env, capsys)
    first, second = _contracts(database_url)
    assert (first.title, first.amount, first.ends_on, first.auto_renew) == (
        "年度服务合同", Decimal("12000.00"), date(2025, 12, 31), False)
    assert second.renewed_from_id == first.id and second.auto_renew is True


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_then_import_round_trips_contracts_without_duplicates(cli_env, capsys, database_url, suffix):
    _seed(cli_env, capsys)
    book = cli_env / f"book.{suffix}"
    assert main(["export", str(book), "--as", "boss", "--lang", "zh"]) == 0
    assert "2 contracts" in capsys.readouterr().out
    if suffix == "xlsx":
        workbook = CalamineWorkbook.from_path(str(book))
        assert workbook.sheet_names == ["客户", "跟进记录", "合同"]
        rows = workbook.get_sheet_by_name("合同").to_python()
    else:
        with (cli_env / "book.contracts.csv").open(encoding="utf-8-sig") as stream:
            rows = list(csv.reader(stream))
    assert rows[0][:4] == ["合同编号", "客户编号", "客户名称", "合同标题"]
    assert [row[0] for row in rows[1:]] == ["C1", "C2"] and rows[2][9] == "C1"
    assert main(["import", str(book), "--as", "boss", "--lang", "en"]) == 0
    assert "2 rows, 0 created, 2 unchanged" in capsys.readouterr().out
    assert len(_contracts(database_url)) == 2


def test_english_headers_and_a_renewal_linked_only_once(cli_env, capsys, database_url):
    _seed(cli_env, capsys)
    again = write_csv(cli_env / "more.csv", [
        ["contract", "customer", "title", "amount", "start", "end", "renewal", "renews"],
        ["", "Acme", "Licence", "USD500", "2026-02-01", "2027-01-31", "auto", ""],
        ["", "阿里巴巴", "Other", "500", "2026-03-01", "2026-12-31", "manual", "C1"],  # C1 is renewed by C2
    ])
    assert main(["import", str(again), "--as", "boss", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "2 created" in out and "C1 已被另一份合同续约" in out
    licence = next(c for c in _contracts(database_url) if c.title == "Licence")
    assert (licence.amount, licence.currency, licence.auto_renew) == (Decimal("500.00"), "USD", True)
