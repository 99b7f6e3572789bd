"""Owners, column mapping (automatic and --map), and what a row may hold."""

from __future__ import annotations

import pytest

from bot.importing import FIELDS, HeaderError, parse_map_option
from bot.importing.headers import field_for_header, map_headers
from bot.importing.reasons import Reason, reason_codes
from bot.importing.rows import PreparedRow, RejectedRow, prepare_row
from tests.bot.importing.spreadsheets import read_error_file, write_csv, write_xlsx


def owners_sheet(tmp_path, *owners):
    rows = [["客户名称", "负责人"], *([f"客户{i}", owner] for i, owner in enumerate(owners))]
    return write_csv(tmp_path / "owners.csv", rows)


def test_owners_are_matched_by_name_display_name_or_platform_id(tmp_path, run_import, stored):
    report = run_import(owners_sheet(tmp_path, "bob", "BOB", "console:bob", "@alice", ""), as_="boss")

    owners = [stored()[f"客户{i}"]["owner"] for i in range(5)]
    assert owners == ["bob", "bob", "bob", "alice", "boss"]
    assert report.noted == 0


def test_a_manager_assigns_within_their_teams_and_a_rep_only_to_themselves(tmp_path, run_import, stored):
    manager = run_import(owners_sheet(tmp_path, "bob", "carol"), as_="mia")
    assert [stored()[f"客户{i}"]["owner"] for i in range(2)] == ["bob", "mia"]
    [note] = read_error_file(manager.error_file)
    assert note["code"] == "owner_not_allowed" and "carol" in note["原因"]

    rep = run_import(write_csv(tmp_path / "rep.csv", [["name", "owner"], ["Rep Co", "bob"]]), as_="alice")
    assert stored()["Rep Co"]["owner"] == "alice" and rep.noted == 1


@pytest.mark.parametrize(
    ("header", "field"),
    [("客户名称*", "name"), ("Customer Name", "name"), ("公司", "company"), ("手机号码", "phone"), ("E-mail", "email"),
     ("电话(必填)", "phone"), ("负责人", "owner"), ("Owner", "owner"), ("生日", "birthday"), ("出生日期", "birthday"),
     ("标签", "tags"), ("备注", "notes"), ("来源", "source"), ("地区", "region"), ("联系人", "contact_name"),
     ("职位", "contact_title"), ("Lead Source", "source"), ("序号", "ignore"), ("whatever", None)],
)
def test_headers_map_to_fields(header, field):
    assert field_for_header(header) == field


def test_map_option_names_columns_the_importer_does_not_know(tmp_path, run_import, stored):
    path = write_csv(tmp_path / "de.csv", [["Kunde", "Telefon", "Branche", "Notiz"], ["Müller GmbH", "+49 30 901820", "Bau", "x"]])

    report = run_import(path, mapping=parse_map_option("Kunde=name, Telefon=phone, Branche=行业, Notiz=ignore"))

    customer = stored()["Müller GmbH"]
    assert (customer["phone"], customer["industry"], customer["notes"]) == ("+4930901820", "Bau", None)
    assert report.header_map.describe() == ["Kunde → name", "Telefon → phone", "Branche → industry"]


def test_bad_mappings_and_missing_name_columns_are_refused_before_anything_is_written(tmp_path, run_import, stored):
    with pytest.raises(HeaderError, match="unknown field 'nme'"):
        parse_map_option("Kunde=nme")
    with pytest.raises(HeaderError, match="Header=field"):
        parse_map_option("Kunde")
    path = write_csv(tmp_path / "x.csv", [["Kunde", "Telefon"], ["A", "1"]])
    with pytest.raises(HeaderError, match="headers found: Kunde, Telefon"):
        run_import(path)
    with pytest.raises(HeaderError, match="does not have: spalte"):
        run_import(path, mapping=parse_map_option("Spalte=name"))
    assert stored.count() == 0


def test_the_header_row_may_sit_under_title_rows(tmp_path, run_import, stored):
    path = write_xlsx(tmp_path / "t.xlsx", [["Q3 leads"], [], ["Name", "Phone", "Region"], ["Initech", "13800138000", "Austin"]])

    report = run_import(path)

    assert report.header_map.header_row == 3 and stored()["Initech"]["region"] == "Austin"


def test_several_numbers_in_one_cell_keep_the_first_and_note_the_rest():
    row = prepare_row(7, {"name": ["Acme"], "phone": ["13800138000 / 010-8888 6666"]})

    assert isinstance(row, PreparedRow)
    assert row.values["phone"] == "+8613800138000"
    assert row.values["notes"] == "phone: +861088886666"
    assert [n.code for n in row.notes] == ["extra_phones"]


def test_only_a_row_with_nothing_to_name_the_customer_is_rejected():
    rejected = prepare_row(3, {"name": ["  "], "company": [""], "contact_name": [""]})

    assert isinstance(rejected, RejectedRow) and rejected.reason.code == "name_missing"


@pytest.mark.parametrize(
    ("values", "code", "kept"),
    [({"name": ["A"], "phone": ["1-800-FLOWERS"]}, "bad_phone", "1-800-FLOWERS"),
     ({"name": ["A"], "timezone": ["Mars/Base"]}, "bad_timezone", "Mars/Base"),
     ({"name": ["A"], "birthday": ["农历2023年闰三月初一"]}, "bad_birthday", "农历2023年闰三月初一"),
     ({"name": ["A" * 201]}, "too_long_kept", "A" * 201),
     ({"name": ["A"], "contact_email": ["x@"]}, "bad_contact_email", "x@"),
     ({"name": ["A"], "last_contact": ["yesterday-ish"]}, "bad_date", "yesterday-ish"),
     ({"name": ["A"], "created": ["last spring"]}, "bad_date", "last spring")],
)
def test_a_value_that_cannot_be_placed_is_kept_in_the_notes_and_the_row_imports(values, code, kept):
    row = prepare_row(3, values)

    assert isinstance(row, PreparedRow)
    assert [reason.code for reason in row.set_aside] == [code]
    assert kept in row.values["notes"]
    assert row.set_aside[0].text("en") and row.set_aside[0].text("zh")


def test_vendor_words_map_to_stages_tiers_and_kinds_and_the_rest_become_tags():
    row = prepare_row(3, {"name": ["A"], "stage": ["Customer - Direct"], "tier": ["A（重要客户）"],
                          "kind": ["微信用户"], "tags": ["A类, vip, VIP"]})
    assert isinstance(row, PreparedRow)
    assert (row.values["stage"], row.values["tier"], row.values["kind"]) == ("first_purchase", "vip", "person")
    assert row.values["tags"] == ",A类,vip,"  # the case as written, one tag whatever its case

    odd = prepare_row(4, {"name": ["B"], "stage": ["Evaluation"], "kind": ["经销商"]})
    assert isinstance(odd, PreparedRow)
    assert odd.values["tags"] == ",经销商,Evaluation," and odd.values["stage"] is None
    assert [n.code for n in odd.notes] == ["value_as_tag", "value_as_tag"]


def test_every_reason_reads_in_both_languages():
    samples = {"value": "v", "field": "phone", "max": 3, "choices": "a, b", "detail": "d", "user": "u",
               "target": ("customer", 1, "Acme"), "why": "phone", "kept": "k",
               "fields": 3, "expected": 4, "lines": 2, "line": 3, "encoding": "gb18030"}
    for code in reason_codes():
        assert Reason(code, samples).text("zh") != Reason(code, samples).text("en")


def test_every_field_can_be_named_in_a_map():
    assert parse_map_option(",".join(f"col{i}={field}" for i, field in enumerate(FIELDS))) == {
        f"col{i}": field for i, field in enumerate(FIELDS)}
    assert map_headers(["a", "b"], 1, {"a": "name", "b": "ignore"}).columns == ((0, "name"),)


def test_worker_processes_import_exactly_what_one_process_does(tmp_path, run_import, stored, engine):
    rows = [["客户名称", "电话", "生日", "负责人"]]
    rows += [[f"{city}{i}号贸易有限公司", f"139{i:08d}", "农历八月十五", "bob"] for i in range(120) for city in ("杭州",)]
    rows += [["杭州5号贸易有限公司", "", "", ""], ["", "1", "", ""]]
    path = write_csv(tmp_path / "p.csv", rows)

    parallel = run_import(path, workers=2, batch_size=16)

    assert (parallel.created, parallel.skipped, parallel.rejected) == (120, 1, 1)
    customers = stored()
    assert customers["杭州7号贸易有限公司"]["phone"] == "+8613900000007"
    assert len(stored.contacts()) == 120


def test_imported_tags_keep_their_case_and_are_found_whatever_the_case(tmp_path, run_import, user, engine):
    from sqlmodel import Session

    from bot.services.customers import search_customers

    run_import(write_csv(tmp_path / "t.csv", [["客户名称", "标签"], ["甲公司", "A类, VIP"]]))

    with Session(engine) as session:
        [found] = search_customers(session, user=user("boss"), query="a类")
        assert found.tags == ",A类,VIP,"
        assert [c.name for c in search_customers(session, user=user("boss"), query="vip")] == ["甲公司"]
