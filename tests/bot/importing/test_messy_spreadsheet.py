"""A messy real-world spreadsheet: nothing good is lost and every row left out is explained."""

from __future__ import annotations

import pytest

from tests.bot.importing.spreadsheets import read_error_file, write_csv, write_xlsx

HEADERS = ["序号", "客户名称*", "联系电话", "邮箱", "行业", "负责人", "联系人", "生日", "标签", "备注", "内部编码"]
MESSY_ROWS = [
    ["2026 客户清单"],  # a title row above the headers
    HEADERS,
    [1, "杭州云帆科技有限公司", "13800138000", "yunfan@example.com", "软件", "alice", "王芳", "农历三月初五", "vip、华东", "老客户", "X1"],
    [2, "", "13800138001", "", "", "alice", "", "", "", "", "X2"],  # blank name
    [3, "北京星辰贸易有限公司", "12345", "", "贸易", "alice", "", "", "", "", "X3"],  # bad phone
    [4, "杭州云帆科技", "", "", "零售", "alice", "", "", "", "", "X4"],  # same company as row 3
    [5, "上海远航物流有限公司", "139 0013 9000", "", "物流", "bob", "", "", "", "", "X5"],  # owner merged F7:F9
    [6, "深圳博达电子有限公司", "13700137000", "", "制造", None, "", "", "", "", "X6"],
    [7, "Acme Trading Ltd", "+1 415 555 2671", "", "", None, "", "02-29", "", "", "X7"],
    [8, "广州鼎盛食品有限公司", "", "foo@", "食品", "alice", "", "", "", "", "X8"],  # bad email
    [9, "成都嘉禾餐饮管理有限公司", "13600136000", "", "", "alice", "", "2023-02-29", "", "", "X9"],  # no such day
    [None, None, None, None, None, None, None, None, None, None, None],  # an empty row
    [10, "张伟", "13500135000", "", "", "nobody", "", "", "", "", "X10"],  # unknown owner
    [11, "上海远航物流有限公司", "+86 139-0013-9000", "", "", "bob", "", "", "", "", "X11"],  # same phone as row 7
    [12, "南京汇丰建材有限公司", 13300133000, "", "建材", "alice", "", "", "", "", "X12"],  # a number cell
    [13, "Northwind Logistics Co., Ltd.", "13900000000", "", "", "alice", "", "", "", "", "X13"],  # in the DB
]
IMPORTED = {"杭州云帆科技有限公司", "上海远航物流有限公司", "深圳博达电子有限公司", "Acme Trading Ltd", "张伟",
            "南京汇丰建材有限公司", "北京星辰贸易有限公司", "广州鼎盛食品有限公司", "成都嘉禾餐饮管理有限公司"}


@pytest.fixture
def messy_xlsx(tmp_path):
    return write_xlsx(tmp_path / "客户清单.xlsx", MESSY_ROWS, merges=["A1:K1", "F7:F9"])


def test_messy_xlsx_imports_every_good_row_and_explains_every_other(messy_xlsx, run_import, stored, existing):
    northwind = existing("Northwind Logistics", owner="carol", phone="+8613900000000")

    report = run_import(messy_xlsx, as_="boss")

    customers = stored()
    assert set(customers) == IMPORTED | {"Northwind Logistics"}
    assert (report.created, report.rejected, report.skipped, report.noted) == (9, 1, 3, 4)
    assert report.set_aside == 3 and report.balanced
    assert report.blank_rows == 1
    assert report.header_map.header_row == 2
    assert report.header_map.ignored == ("序号", "内部编码")

    errors = {int(row["行号"]): row for row in read_error_file(report.error_file)}
    assert sorted(errors) == [4, 5, 6, 10, 11, 13, 14, 16]
    assert errors[4]["code"] == "name_missing" and errors[4]["处理结果"] == "未导入"
    assert errors[5]["code"] == "bad_phone" and "12345" in errors[5]["原因"] and errors[5]["处理结果"] == "已导入（请核对）"
    assert "12345" in customers["北京星辰贸易有限公司"]["notes"]  # the value is kept where a person will see it
    assert errors[6]["code"] == "duplicate" and "第 3 行" in errors[6]["原因"] and errors[6]["处理结果"] == "已跳过"
    assert errors[10]["code"] == "bad_email"
    assert errors[11]["code"] == "bad_birthday" and "2023-02-29" in errors[11]["原因"]
    assert errors[13]["code"] == "owner_unknown" and "nobody" in errors[13]["原因"]
    assert errors[14]["code"] == "duplicate" and "第 7 行" in errors[14]["原因"]
    assert errors[16]["code"] == "duplicate" and f"#{northwind}" in errors[16]["原因"]
    # The original cells travel with the reason, so the row can be fixed in place and imported again.
    assert errors[5]["客户名称*"] == "北京星辰贸易有限公司" and errors[5]["内部编码"] == "X3"


def test_values_are_normalised_and_merged_cells_fill_the_rows_they_cover(messy_xlsx, run_import, stored):
    run_import(messy_xlsx, as_="boss")

    customers = stored()
    yunfan = customers["杭州云帆科技有限公司"]
    assert (yunfan["phone"], yunfan["email"], yunfan["owner"]) == ("+8613800138000", "yunfan@example.com", "alice")
    assert yunfan["tags"] == ",vip,华东,"
    assert yunfan["pinyin_initials"] == "hzyfkjyxgs"
    # F7:F9 is one merged "bob" cell: all three rows are bob's.
    assert {customers[n]["owner"] for n in ("上海远航物流有限公司", "深圳博达电子有限公司", "Acme Trading Ltd")} == {"bob"}
    assert customers["上海远航物流有限公司"]["phone"] == "+8613900139000"
    assert customers["南京汇丰建材有限公司"]["phone"] == "+8613300133000"
    assert customers["张伟"]["owner"] == "boss"
    assert customers["Acme Trading Ltd"]["phone"] == "+14155552671"

    contacts = {c["name"]: c for c in stored.contacts()}
    assert (contacts["王芳"]["birthday_is_lunar"], contacts["王芳"]["birthday_month"], contacts["王芳"]["birthday_day"]) == (1, 3, 5)
    acme_contact = contacts["Acme Trading Ltd"]  # a birthday without a contact name belongs to the customer
    assert (acme_contact["birthday_month"], acme_contact["birthday_day"], acme_contact["birthday_is_lunar"]) == (2, 29, 0)


def test_gbk_csv_from_chinese_excel_imports_the_same(tmp_path, run_import, stored):
    rows = [row[:10] for row in MESSY_ROWS[1:]]  # no title row, no extra column
    path = write_csv(tmp_path / "customers.csv", [[("" if v is None else v) for v in r] for r in rows], encoding="gbk")

    report = run_import(path, as_="boss", lang="en")

    assert set(stored()) == IMPORTED | {"Northwind Logistics Co., Ltd."}
    assert report.rejected == 1
    reasons = {row["row"]: row["reason"] for row in read_error_file(report.error_file)}
    assert reasons["3"] == "the customer name is empty"


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("utf-8", ";"), ("utf-16", "\t"), ("gb18030", ",")])
def test_csv_encodings_and_delimiters(tmp_path, run_import, stored, encoding, delimiter):
    path = write_csv(tmp_path / "c.csv", [["客户名称", "电话", "地区"], ["北京银河科技有限公司", "13800138000", "北京"],
                                          ["深圳海纳贸易", "13900139000", "深圳"]], encoding=encoding, delimiter=delimiter)

    report = run_import(path)

    assert report.created == 2
    assert stored()["北京银河科技有限公司"]["region"] == "北京"
