"""A rep creates, finds, shows, edits, deletes and restores customers by chatting."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Customer


def test_rep_creates_a_customer_and_sees_its_card(chat):
    alice = chat.user("alice")
    out = alice.say("new Acme Trading phone:138-0013-8000 industry:retail region:Hangzhou")
    assert "Created customer Acme Trading (#1)" in out
    assert "Phone: +8613800138000" in out
    assert "Industry: retail" in out


def test_chinese_command_words_and_fullwidth_input(chat):
    alice = chat.user("alice")
    out = alice.say("新建 阿里巴巴 电话：１３９００１３９０００ 行业：电商")
    assert "已创建客户 阿里巴巴（#1）" in out
    assert "电话: +8613900139000" in out


def test_find_by_pinyin_initials_phone_and_name_prefix(chat):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴 电话:13900139000")
    alice.say("new Acme Trading phone:13800138000")
    assert "#1 阿里巴巴" in alice.say("find albb")
    assert "#2 Acme Trading" in alice.say("find 138 0013 8000")
    assert "#2 Acme Trading" in alice.say("find acm")
    assert "#1 阿里巴巴" in alice.say("查找 阿里")
    assert "Nothing found" in alice.say("find zzz-nothing")


def test_new_warns_about_a_probable_duplicate_and_creates_nothing(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴 电话:13900139000")
    out = alice.say("新建 阿里巴巴有限公司")
    assert "可能与已有客户重复" in out and "#1" in out
    assert "新建 阿里巴巴有限公司 确认:是" in out  # the Chinese keys after a Chinese command word
    same_phone = alice.say("new Totally Different phone:+86 139 0013 9000")
    assert "same phone" in same_phone
    with Session(engine) as session:
        assert len(session.exec(select(Customer)).all()) == 1
    forced = alice.say("新建 阿里巴巴有限公司 确认:是")
    assert "已创建客户" in forced


def test_edit_changes_fields_and_writes_the_audit_log(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("edit Acme tier:vip region:Shanghai")
    assert "Updated Acme (#1)" in out and "Tier: VIP" in out
    with Session(engine) as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "update")).one()
    assert entry.platform == "console"
    assert json.loads(entry.after) == {"region": "Shanghai", "tier": "vip"}
    assert json.loads(entry.before) == {"region": None, "tier": "normal"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("edit Acme colour:red", 'Unknown field "colour"'),
        ("edit Acme tier:gold", '"gold" is not a valid tier'),
        ("edit Acme phone:12", '"12" is not a valid phone number'),
        ("edit Acme email:not-an-email", "not a valid email"),
        ("frobnicate Acme", 'I don\'t know the command "frobnicate"'),
        ("show", "Missing customer"),
        ("修改 Acme 等级:金牌", "不是有效的等级"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(chat, engine, line, expected):
    alice = chat.user("alice")
    alice.say("new Acme")
    with Session(engine) as session:
        before = session.exec(select(Customer)).one().model_dump()
    out = alice.say(line)
    assert expected in out
    with Session(engine) as session:
        assert session.exec(select(Customer)).one().model_dump() == before


def test_usage_line_is_shown_with_parse_errors(chat):
    out = chat.user("alice").say("edit")
    assert "Usage: edit <customer>" in out


def test_delete_hides_and_restore_brings_back(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    assert "Deleted Acme (#1)" in alice.say("delete Acme")
    assert "No customer matches" in alice.say("show Acme")
    assert "Restored Acme (#1)" in alice.say("restore #1")
    assert "Acme" in alice.say("show #1")


def test_ambiguous_reference_lists_candidates(chat):
    alice = chat.user("alice")
    alice.say("new Acme North")
    alice.say("new Acme South")
    out = alice.say("show acme")
    assert "matches several customers" in out
    assert "#1 Acme North" in out and "#2 Acme South" in out


def test_over_long_text_is_refused(chat, engine):
    alice = chat.user("alice")
    out = alice.say("new " + "x" * 300)
    assert "too long" in out
    with Session(engine) as session:
        assert session.exec(select(Customer)).all() == []


def test_changes_are_announced_to_listeners_after_commit(chat, bot):
    from bot.events import CustomerChanged

    seen = []
    bot.add_listener(lambda event: seen.append(event))
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("edit Acme tier:vip")
    alice.say("delete Acme")
    alice.say("restore #1")
    alice.say("edit Acme tier:platinum")  # refused: nothing to announce
    assert [type(e) for e in seen] == [CustomerChanged] * 3


def test_chinese_replies_name_fields_and_values_in_chinese(chat):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("修改 阿里巴巴 地区:江苏 等级:重点")
    assert "地区：江苏" in out and "等级：重点" in out and "tier" not in out and "region" not in out
    out = alice.say("修改 阿里巴巴 颜色:红")
    assert "未知字段「颜色」" in out and "电话" in out and "phone" not in out
    assert "用法：修改 <客户> [名称:…]" in out
    help_text = alice.say("帮助 新建")
    assert "新建 <名称> [名称:…] [电话:…]" in help_text and "[等级:重点|普通]" not in help_text
    assert "等级:" in help_text and "phone:" not in help_text
    assert "缺少名称" in alice.say("新建")


def test_notes_typed_with_chinese_commas_stay_one_note_as_typed(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴 备注:老客户，年度采购；重点跟进 电话:13900139000")
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
    assert (customer.name, customer.notes, customer.phone) == ("阿里巴巴", "老客户，年度采购；重点跟进", "+8613900139000")
