"""`crmbot import`, `crmbot export` and `crmbot demo` from the command line (the adapters over bot.importing,
bot.exporting and bot.demo)."""

from __future__ import annotations

import csv

import pytest

from adapters.cli import main
from tests.bot.importing.spreadsheets import write_csv


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_ROLES__ADMINS", '["boss"]')
    return tmp_path


def test_import_prints_a_summary_and_writes_the_error_file(cli_env, capsys):
    path = write_csv(cli_env / "leads.csv", [["客户名称", "电话"], ["Acme", "13800138000"], ["", "13900139000"],
                                             ["Bad Phone Co", "123"]])

    assert main(["import", str(path), "--as", "boss", "--lang", "en"]) == 0

    out = capsys.readouterr().out
    assert "Imported: leads.csv as boss" in out
    assert "created: 2" in out and "rejected: 1" in out  # a bad phone never costs the row
    assert "lines: 4 = 1 up to the header + 3 rows + 0 blank" in out
    assert "客户名称 → name" in out and "cells set aside" in out
    with (cli_env / "leads.errors.csv").open(encoding="utf-8-sig") as stream:
        assert [row["code"] for row in csv.DictReader(stream)] == ["name_missing", "bad_phone"]


def test_import_dry_run_and_a_clear_error_for_an_unmappable_file(cli_env, capsys):
    good = write_csv(cli_env / "a.csv", [["name"], ["Acme"]])
    assert main(["import", str(good), "--as", "boss", "--dry-run"]) == 0
    assert "Dry run (nothing written)" in capsys.readouterr().out

    bad = write_csv(cli_env / "b.csv", [["Kunde"], ["Acme"]])
    assert main(["import", str(bad), "--as", "boss"]) == 1
    assert "no column holds the customer name" in capsys.readouterr().err
    assert main(["import", str(bad), "--as", "boss", "--map", "Kunde=name"]) == 0


def test_export_is_for_admins_and_managers(cli_env, capsys):
    assert main(["import", str(write_csv(cli_env / "a.csv", [["name"], ["Acme"]])), "--as", "boss"]) == 0
    capsys.readouterr()

    assert main(["export", str(cli_env / "out.xlsx"), "--as", "boss"]) == 0
    assert "Exported 1 customers" in capsys.readouterr().out
    assert main(["export", str(cli_env / "out.csv"), "--as", "rep_rita"]) == 1
    assert "only admins and managers" in capsys.readouterr().err


def test_demo_fills_an_empty_database_once(cli_env, capsys):
    assert main(["demo", "--customers", "40", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "40 customers" in out and "crmbot chat --as mgr_east" in out

    assert main(["demo", "--customers", "40"]) == 1
    assert "already has data" in capsys.readouterr().err
