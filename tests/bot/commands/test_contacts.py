"""Key contacts: adding, editing by name, listing, birthdays in every form, and bad input changing nothing."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Contact


def _contacts(engine) -> list[Contact]:
    with Session(engine) as session:
        return list(session.exec(select(Contact).order_by(Contact.id)).all())


def test_rep_adds_a_contact_with_normalised_phone_and_solar_birthday(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say("contact Acme Zhang Wei title:CEO phone:138-0013-8000 email:ZW@Acme.COM birthday:1985-03-02")
    assert "Added contact Zhang Wei · CEO · +8613800138000 · zw@acme.com · 🎂 1985-03-02 to Acme (#1)" in out
    (contact,) = _contacts(engine)
    assert (contact.name, contact.phone, contact.email) == ("Zhang Wei", "+8613800138000", "zw@acme.com")
    assert (contact.birthday_year, contact.birthday_month, contact.birthday_day) == (1985, 3, 2)
    assert contact.birthday_is_lunar is False
    assert "Zhang Wei · CEO" in alice.say("show Acme")


def test_chinese_keys_and_lunar_leap_birthday(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("联系人 albb 王芳 职位:采购经理 电话:13900139000 生日:农历闰四月初五 语言:中文")
    assert "已为 阿里巴巴（#1）添加联系人 王芳 · 采购经理 · +8613900139000 · 🎂 农历闰四月初五" in out
    (contact,) = _contacts(engine)
    assert (contact.birthday_month, contact.birthday_day) == (4, 5)
    assert contact.birthday_is_lunar and contact.birthday_is_leap_month
    assert contact.birthday_year is None and contact.greeting_language == "zh"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("03-02", (None, 3, 2, False)),
        ("农历三月初五", (None, 3, 5, True)),
        ("lunar 3-5", (None, 3, 5, True)),
        ('"lunar 1985/3/5"', (1985, 3, 5, True)),
    ],
)
def test_birthday_forms(chat, engine, typed, expected):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say(f"contact Acme Li birthday:{typed}")
    (contact,) = _contacts(engine)
    assert (contact.birthday_year, contact.birthday_month, contact.birthday_day, contact.birthday_is_lunar) == expected


def test_same_name_edits_the_existing_contact_case_insensitively_and_audits(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contact Acme Zhang Wei title:CTO")
    out = alice.say("contact Acme zhang wei title:CEO lang:en")
    assert "Updated contact Zhang Wei · CEO" in out
    (contact,) = _contacts(engine)
    assert contact.title == "CEO" and contact.greeting_language == "en"
    with Session(engine) as session:
        update = session.exec(select(AuditLog).where(AuditLog.entity == "contact", AuditLog.action == "update")).one()
        created = session.exec(select(AuditLog).where(AuditLog.entity == "contact", AuditLog.action == "create")).one()
    assert json.loads(update.before) == {"title": "CTO", "greeting_language": None}
    assert json.loads(update.after) == {"title": "CEO", "greeting_language": "en"}
    assert json.loads(created.after)["customer_id"] == 1


def test_without_a_name_lists_the_contacts(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    assert "has no contacts yet" in alice.say("contact Acme")
    alice.say("contact Acme Zhang Wei title:CEO")
    alice.say("contact Acme 王芳 birthday:农历三月初五")
    out = alice.say("contact Acme")
    assert "Contacts of Acme (#1):" in out
    assert "- Zhang Wei · CEO" in out and "- 王芳 · 🎂 lunar 3/5" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("contact Acme Li birthday:2030-01-01", "is in the future"),
        ("contact Acme Li birthday:2026-12-24", "is in the future"),
        ("contact Acme Li birthday:02-30", "not a birthday I understand"),
        ("contact Acme Li birthday:农历2023年闰三月初五", "no such leap month"),
        ("contact Acme Li phone:12", "not a valid phone number"),
        ("contact Acme Li email:nope", "not a valid email"),
        ("contact Acme Li colour:red", 'Unknown field "colour"'),
        ("contact Acme Li lang:fr", '"fr" is not a valid lang'),
        ("contact Acme title:CEO", "Which contact?"),
        ("contact Acme Zhang Wei", "already a contact"),
        ("联系人 Acme 李雷 生日:明年", "不是可识别的生日"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(chat, engine, line, expected):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contact Acme Zhang Wei title:CEO")
    before = [c.model_dump() for c in _contacts(engine)]
    assert expected in alice.say(line)
    assert [c.model_dump() for c in _contacts(engine)] == before


def test_another_rep_gets_the_not_found_answer(chat, engine):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme")
    assert bob.say("contact #1 Spy title:x") == bob.say("contact #99 Spy title:x").replace("#99", "#1")
    assert bob.say("contact Acme") == 'No customer matches "Acme". Try find Acme.'
    assert _contacts(engine) == []


def test_a_contact_is_removed_softly_audited_and_restorable(chat, engine):
    from storage.models import AuditLog, Contact

    alice = chat.user("alice")
    alice.say("新建 华东机械")
    alice.say("联系人 华东机械 张伟 职位:采购经理")
    card = alice.say("查看 华东机械")
    assert "移除联系人：联系人 #1 <姓名> 删除" in card
    out = alice.say("联系人 华东机械 张伟 删除")
    assert "已从 华东机械（#1）移除联系人 张伟" in out
    with Session(engine) as session:
        [contact] = session.exec(select(Contact)).all()
        assert contact.name == "张伟" and contact.deleted_at is not None
        assert session.exec(select(AuditLog).where(AuditLog.entity == "contact", AuditLog.action == "delete")).one()
    assert "张伟" not in alice.say("查看 华东机械").split("联系人")[-1]
    assert "已恢复" in alice.say('联系人 华东机械 "张伟" 恢复')
    with Session(engine) as session:
        assert session.exec(select(Contact)).one().deleted_at is None


def test_removing_an_unknown_contact_changes_nothing(chat, engine):
    from storage.models import Contact

    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contact Acme Zhang Wei title:CEO")
    assert 'Acme has no contact called "Li Lei"; nothing was changed' in alice.say("contact Acme Li Lei delete")
    assert "Removed contact Zhang Wei from Acme (#1)" in alice.say("contact Acme zhang wei delete")
    assert "Zhang Wei" not in alice.say("show Acme")
    with Session(engine) as session:
        assert [c.name for c in session.exec(select(Contact)).all()] == ["Zhang Wei"]


def test_a_birth_year_outside_the_verified_calendar_is_refused_clearly(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("联系人 阿里巴巴 张伟 生日:农历1900年三月初五")
    assert "1901 到 2099" in out and "未做任何修改" in out
    out = alice.say("contact 阿里巴巴 Zhang birthday:2100-01-01")
    assert "from 1901 to 2099" in out


def test_a_contact_is_the_same_person_in_traditional_or_simplified(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("联系人 阿里巴巴 張偉 职位:经理")
    alice.say("联系人 阿里巴巴 张伟 电话:13800138000")
    with Session(engine) as session:
        contacts = session.exec(select(Contact)).all()
    assert [(c.name, c.title, c.phone) for c in contacts] == [("張偉", "经理", "+8613800138000")]
