"""Every physical line of a file is accounted for: rows are never swallowed, and a line the importer cannot
read is rejected with its line number and reason while the rest import."""

from __future__ import annotations

import pytest

from tests.bot.importing.spreadsheets import read_error_file, write_xlsx


def lines_file(tmp_path, text: str, name: str = "c.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def errors_by_line(report) -> dict[int, dict[str, str]]:
    return {int(row["row"]): row for row in read_error_file(report.error_file)} if report.error_file else {}


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_unclosed_quote_rejects_its_own_line_and_the_lines_it_swallowed_import(tmp_path, run_import, stored, dry_run):
    path = lines_file(tmp_path, "name,phone\nAlpha Co,13800000001\n\"Beta Co,13800000002\nGamma Co,13800000003\n"
                                "Delta Co,13800000004\nEpsilon Co,13800000005\n")

    report = run_import(path, lang="en", dry_run=dry_run)

    assert (report.lines, report.rows, report.created, report.rejected) == (6, 5, 4, 1)
    assert report.balanced
    errors = errors_by_line(report)
    assert list(errors) == [3]
    assert errors[3]["code"] == "unclosed_quote" and "never closes" in errors[3]["reason"]
    if not dry_run:
        customers = stored()
        assert set(customers) == {"Alpha Co", "Gamma Co", "Delta Co", "Epsilon Co"}
        assert customers["Epsilon Co"]["phone"] == "+8613800000005"


def test_line_breaks_inside_an_address_or_notes_cell_are_one_row(tmp_path, run_import, stored):
    path = lines_file(tmp_path, '客户名称,电话,地址,备注\n甲公司,13800000001,"杭州市\n西湖区 1 号","第一行\n第二行\n第三行"\n'
                                "乙公司,13800000002,上海,\n")

    report = run_import(path)

    assert (report.lines, report.rows, report.created, report.continued_lines) == (6, 2, 2, 3)
    assert report.balanced and report.error_file is None
    assert stored()["甲公司"]["address"] == "杭州市\n西湖区 1 号"


def test_a_quote_that_runs_to_the_end_of_the_file_costs_only_its_line(tmp_path, run_import, stored):
    path = lines_file(tmp_path, 'name,phone,notes\nAlpha,13800000001,"ok"\nBeta,13800000002,"oops\n'
                                "Gamma,13800000003,fine\nDelta,13800000004,\n")

    report = run_import(path, lang="en")

    assert set(stored()) == {"Alpha", "Gamma", "Delta"}
    assert (report.rows, report.rejected, report.lines) == (4, 1, 5) and report.balanced
    assert errors_by_line(report)[3]["code"] == "unclosed_quote"


def test_wrong_field_counts_nul_bytes_stray_boms_and_a_second_header(tmp_path, run_import, stored):
    path = lines_file(tmp_path, "name,phone,region\nAlpha,13800000001,East\nBeta, Inc,13800000002,West\n"
                                "Gamma,13800000003\nDel\x00ta,13800000004,North,,\n\ufeffname,phone,region\n"
                                "Epsilon,13800000005,South\n")

    report = run_import(path, lang="en")

    assert set(stored()) == {"Alpha", "Gamma", "Delta", "Epsilon"}
    assert report.balanced and (report.lines, report.rows, report.rejected) == (7, 6, 2)
    errors = errors_by_line(report)
    assert errors[3]["code"] == "too_many_fields" and errors[3]["status"] == "rejected"
    assert errors[4]["code"] == "short_row" and errors[4]["status"] == "note"
    assert errors[5]["code"] == "nul_removed"
    assert errors[6]["code"] == "header_again"


def test_a_file_mixing_utf8_and_gbk_lines_reads_each_line_in_its_own_encoding(tmp_path, run_import, stored):
    data = "客户名称,电话\n甲公司,13800000001\n".encode() + "乙公司,13800000002\n".encode("gbk") + "丙公司,13800000003\n".encode()
    report = run_import(lines_file(tmp_path, data), lang="en")

    assert set(stored()) == {"甲公司", "乙公司", "丙公司"}
    assert errors_by_line(report)[3]["code"] == "line_decoded_as"


def test_formula_cells_show_their_value_or_are_set_aside_in_the_notes(tmp_path, run_import, stored):
    path = lines_file(tmp_path, 'name,phone,industry,region\nAlpha,"=""13800000001""",=VLOOKUP(A2;B:C;2),#N/A\n'
                                "'=Beta,13800000002,Retail,East\n")

    report = run_import(path, lang="en")

    customers = stored()
    assert customers["Alpha"]["phone"] == "+8613800000001"
    assert customers["Alpha"]["industry"] is None and "=VLOOKUP(A2;B:C;2)" in customers["Alpha"]["notes"]
    assert "=Beta" in customers  # an export's formula guard is not part of the name
    assert report.set_aside == 2
    assert errors_by_line(report)[2]["code"] == "formula_set_aside cell_error"


def test_hidden_xlsx_rows_import_with_a_note_and_hidden_columns_are_named(tmp_path, run_import, stored):
    path = write_xlsx(tmp_path / "h.xlsx", [["客户名称", "电话"], ["甲公司", "13800000001"], ["乙公司", "13800000002"]])
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook.active.row_dimensions[3].hidden = True
    workbook.active.column_dimensions["B"].hidden = True
    workbook.save(path)

    report = run_import(path, lang="en")

    assert set(stored()) == {"甲公司", "乙公司"} and report.balanced and report.lines == 3
    assert errors_by_line(report)[3]["code"] == "hidden_row"
    assert report.hidden_columns == ("电话",) and stored()["乙公司"]["phone"] == "+8613800000002"
