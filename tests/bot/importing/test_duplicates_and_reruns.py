"""Duplicates (skip / merge / create), dry runs, re-runs and interrupted imports."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.bot.importing.spreadsheets import read_error_file, write_csv

HEADER = ["客户名称", "电话", "邮箱", "行业", "地区", "标签", "联系人", "生日", "负责人"]


def sheet(tmp_path, *rows, name="c.csv"):
    return write_csv(tmp_path / name, [HEADER, *rows])


def many_rows(count: int) -> list[list[str]]:
    return [[f"客户{i:03d}贸易有限公司", f"1380013{i:04d}", "", "", "", "", "", "", "alice"] for i in range(count)]


def test_dry_run_reports_what_would_happen_and_changes_nothing(tmp_path, run_import, stored, existing):
    existing("Acme", owner="alice", phone="+8613800138000")
    path = sheet(tmp_path, ["Acme Ltd", "13800138000", "", "", "", "", "", "", ""], ["Globex", "", "", "", "", "", "", "", ""],
                 ["", "1", "", "", "", "", "", "", ""])
    before = stored()

    dry = run_import(path, dry_run=True)

    assert stored() == before and stored.audit() == []
    assert (dry.created, dry.skipped, dry.rejected) == (1, 1, 1)
    assert {row["code"] for row in read_error_file(dry.error_file)} == {"duplicate", "name_missing"}
    real = run_import(path)
    assert (real.created, real.skipped, real.rejected) == (dry.created, dry.skipped, dry.rejected)


def test_running_the_same_file_again_creates_no_duplicates(tmp_path, run_import, stored):
    path = write_csv(tmp_path / "c.csv", [HEADER, *many_rows(30)])

    first = run_import(path)
    again = run_import(path)

    assert first.created == 30
    assert (again.created, again.skipped) == (0, 30)
    assert stored.count() == 30


@pytest.mark.parametrize("policy", ["skip", "merge", "create"])
def test_an_interrupted_import_resumes_without_duplicates(tmp_path, run_import, stored, policy):
    path = write_csv(tmp_path / "c.csv", [HEADER, *many_rows(25)])

    def interrupt_after_first_batch(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(path, batch_size=10, on_duplicate=policy, progress=interrupt_after_first_batch)
    assert stored.count() == 10  # whole batches only

    resumed = run_import(path, on_duplicate=policy)

    assert stored.count() == 25
    assert resumed.created == 15
    assert [json.loads(a["after"])["status"] for a in stored.audit()] == ["running", "done"]


def test_skip_leaves_the_existing_customer_alone(tmp_path, run_import, stored, existing):
    existing("Acme", owner="alice", phone="+8613800138000", industry="Retail")

    report = run_import(sheet(tmp_path, ["ACME Ltd.", "+86 138 0013 8000", "", "Mining", "", "", "", "", ""]))

    assert report.skipped == 1
    assert stored()["Acme"]["industry"] == "Retail" and "ACME Ltd." not in stored()


def test_merge_fills_blanks_unites_tags_keeps_conflicts_and_adds_contacts(tmp_path, run_import, stored, existing, engine):
    acme = existing("Acme", owner="alice", phone="+8613800138000", region="Shanghai", tags=",a,")

    report = run_import(sheet(tmp_path, ["Acme", "", "ops@acme.com", "Retail", "Beijing", "b, a", "Li Na", "03-02", "bob"]),
                        on_duplicate="merge")

    customer = stored()["Acme"]
    assert report.merged == 1 and report.created == 0
    assert (customer["email"], customer["industry"], customer["tags"]) == ("ops@acme.com", "Retail", ",a,b,")
    assert customer["region"] == "Shanghai"  # kept, with a note
    assert customer["owner"] == "bob"  # the owner column is the news: applied, and audited
    with engine.connect() as conn:
        [(before, after)] = conn.execute(text(
            "SELECT before, after FROM audit_log WHERE action = 'import_merge' AND entity = 'customer'")).all()
    assert json.loads(before)["owner_id"] != json.loads(after)["owner_id"]
    [note] = read_error_file(report.error_file)
    assert note["code"] == "merge_kept" and "Shanghai" in note["原因"] and "Beijing" in note["原因"]
    assert [(c["customer_id"], c["name"], c["birthday_month"]) for c in stored.contacts()] == [(acme, "Li Na", 3)]

    again = run_import(sheet(tmp_path, ["Acme", "", "ops@acme.com", "", "", "b", "Li Na", "", ""], name="d.csv"),
                       on_duplicate="merge")
    assert again.merged == 1 and len(stored.contacts()) == 1  # the same contact is completed, not added twice


def test_merge_inside_the_file_combines_the_rows(tmp_path, run_import, stored):
    report = run_import(sheet(tmp_path, ["云帆科技有限公司", "13800138000", "", "", "", "x", "", "", ""],
                              ["云帆科技", "", "hi@yunfan.cn", "软件", "", "y", "王芳", "", ""]), on_duplicate="merge")

    assert (report.created, report.merged) == (1, 1)
    customer = stored()["云帆科技有限公司"]
    assert (customer["email"], customer["industry"], customer["tags"]) == ("hi@yunfan.cn", "软件", ",x,y,")
    assert [c["name"] for c in stored.contacts()] == ["王芳"]


def test_create_makes_look_alikes_but_never_an_identical_copy(tmp_path, run_import, stored, existing):
    existing("张伟", owner="alice")
    path = sheet(tmp_path, ["张伟", "", "", "", "杭州", "", "", "", "alice"],  # another 张伟? the user says so
                 ["张伟", "13700137000", "", "", "", "", "", "", "alice"])

    report = run_import(path, on_duplicate="create")
    assert report.created == 2
    again = run_import(path, on_duplicate="create")
    assert (again.created, again.skipped) == (0, 2)
    assert {row["code"] for row in read_error_file(again.error_file)} == {"identical"}
    assert stored.count() == 3


def test_same_name_with_different_phones_is_two_people(tmp_path, run_import, stored):
    report = run_import(sheet(tmp_path, ["张伟", "13800138000", "", "", "", "", "", "", ""],
                              ["张伟", "13900139000", "", "", "", "", "", "", ""]))

    assert report.created == 2


def test_homophones_and_han_versus_pinyin_spellings_are_duplicates(tmp_path, run_import, existing):
    existing("阿里巴巴", owner="alice")

    report = run_import(sheet(tmp_path, ["Alibaba", "", "", "", "", "", "", "", ""]))

    assert report.skipped == 1
    assert "名称拼音" in read_error_file(report.error_file)[0]["原因"]


def test_a_duplicate_the_importer_cannot_see_is_not_revealed_nor_merged(tmp_path, run_import, stored, existing):
    existing("Carol's Secret Client", owner="carol", phone="+8613800138000")

    report = run_import(sheet(tmp_path, ["New name", "13800138000", "", "", "", "", "", "", ""]), as_="alice",
                        on_duplicate="merge")

    [row] = read_error_file(report.error_file)
    assert row["code"] == "duplicate_hidden" and "Secret" not in row["原因"]
    assert stored()["Carol's Secret Client"]["name_key"] and "New name" not in stored()


def test_one_audit_row_per_import_with_the_figures(tmp_path, run_import, stored):
    run_import(write_csv(tmp_path / "c.csv", [HEADER, *many_rows(25), ["", "", "", "", "", "", "", "", ""]]),
               batch_size=10)

    [audit] = stored.audit()
    after = json.loads(audit["after"])
    assert (audit["entity"], after["created"], after["rows"], after["status"]) == ("customer", 25, 25, "done")
