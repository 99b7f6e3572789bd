"""Control characters, escape codes, NUL bytes and undecodable bytes in a spreadsheet: the same clean result
as the chat on both backends, and a clear answer for what cannot be read."""

from __future__ import annotations

import pytest

from bot.importing import UnreadableFile
from tests.bot.importing.spreadsheets import read_error_file, write_csv


def test_escape_codes_are_removed_and_notes_keep_their_line_breaks(tmp_path, run_import, stored):
    path = write_csv(tmp_path / "messy.csv", [
        ["客户名称", "电话", "地址", "备注", "行业"],
        ["\x1b[31mRed\x1b[0m Corp\x07", "13800138000", "1 Road\r\nFloor 2", "line one\nline\x0b two\x1b]0;x\x07", "re\x85tail"],
        ["Plain Co", "13800138001", "", "", ""],
    ])
    report = run_import(path)
    assert (report.created, report.rejected) == (2, 0)
    red = stored()["Red Corp"]
    assert red["address"] == "1 Road\nFloor 2"
    assert red["notes"] == "line one\nline two"
    assert red["industry"] == "retail"


def test_nul_bytes_are_removed_with_a_note_and_never_reach_the_database(tmp_path, run_import, stored):
    path = write_csv(tmp_path / "nul.csv", [
        ["name", "phone", "notes"],
        ["Good Co", "13800138000", ""],
        ["Bad\x00 Co", "13800138001", "x\x00y"],
    ])
    report = run_import(path, lang="en")
    assert (report.created, report.rejected) == (2, 0)
    assert stored()["Bad Co"]["notes"] == "xy"
    assert [row["code"] for row in read_error_file(report.error_file)] == ["nul_removed"]


def test_bytes_that_are_not_the_named_encoding_get_a_clear_answer(tmp_path, run_import):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"name,phone\nAcme,13800138000\n" + b"Bad \xff\xfe Co,13800138001\n")
    with pytest.raises(UnreadableFile, match="not valid utf-8|cannot read as utf-8"):
        run_import(path, encoding="utf-8")
