"""Contracts (合同): recording in either language, C<n> references, edits, termination, renewal, listings,
and the clear refusals (dates, customers, amounts, references) that change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, Contract


def _contracts(engine) -> list[Contract]:
    with Session(engine) as session:
        return list(session.exec(select(Contract).order_by(Contract.id)).all())


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"], "shares_customers": False}]}


def test_a_contract_recorded_in_chinese_with_a_chinese_amount(chat, engine):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    out = alice.say("合同 阿里巴巴 年度服务合同 金额:一万二 开始:2026-12-01 结束:2027-11-30")
    assert "已为 阿里巴巴（#1）记录合同 C1：年度服务合同，CNY 12,000.00，2026-12-01 至 2027-11-30，手动续约。" in out
    assert "到期前 30 天和 7 天会提醒负责人" in out
    (contract,) = _contracts(engine)
    assert (contract.title, contract.amount, contract.starts_on, contract.ends_on, contract.auto_renew) == (
        "年度服务合同", Decimal("12000.00"), date(2026, 12, 1), date(2027, 11, 30), False)
    shown = alice.say("查看 C1")
    assert "C1 年度服务合同：未开始" in shown and "金额：CNY 12,000.00" in shown and "续约方式：手动续约" in shown
    assert "已修改 C1（续约方式）" in alice.say("修改 C1 续约:自动")
    assert _contracts(engine)[0].auto_renew is True


def test_english_contract_defaults_to_today_and_lists_soonest_end_first(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say('contract Acme "Annual service" amount:USD500 end:2026-12-10 renew:auto')
    assert "Recorded contract C1 for Acme (#1): Annual service, USD 500.00, 2026-11-18 → 2026-12-10, " \
           "renews automatically." in out
    alice.say("contract Acme Maintenance amount:1.5万 start:2026-01-01 end:2027-12-31")
    alice.say("contract Acme Licence")  # no value, no end: open-ended
    listing = alice.say("contracts")
    assert listing.index("C1") < listing.index("C2") < listing.index("C3")
    assert "(22 days left) · ending soon · auto" in listing and "open-ended" in listing
    expiring = alice.say("contracts expiring")
    assert "C1" in expiring and "C2" not in expiring
    assert "C1" in alice.say("合同列表 即将到期")


def test_show_and_edit_of_a_customer_still_work_beside_contract_references(chat, engine):
    alice = chat.user("alice")
    alice.say("new C3PO Droids")
    alice.say("contract C3PO Service end:2027-01-01")
    assert "C3PO Droids #1" in alice.say("show C3PO")  # a customer whose name looks like a reference
    assert "Updated" in alice.say("edit C3PO region:east")
    assert "Service" in alice.say("show C1") and "Service" in alice.say("show c1")


@pytest.mark.parametrize(("line", "expected"), [
    ("contract Acme Support amount:5000 start:2026-12-01 end:2026-11-01",
     "The end 2026-11-01 is before the start 2026-12-01: a contract cannot end before it starts."),
    ("合同 Acme 支持 金额:100 开始:2026-12-01 结束:2026-11-01", "结束日期 2026-11-01 早于开始日期 2026-12-01"),
    ("contract Acme Support amount:abc", '"abc" is not an amount'),
    ("合同 Acme 支持 金额:零", "不是金额"),
    ("contract Nobody Support amount:100", 'No customer matches "Nobody"'),
    ("合同 没有这家 支持 金额:100", "没有找到客户「没有这家」"),
    ("contract Acme Support end:someday", "someday"),
    ("合同 Acme 支持 结束:改天", "改天"),
    ("contract Acme Support renew:sometimes end:2027-01-01", '"sometimes" is not a renewal mode'),
    ("合同 Acme 支持 续约:自动", "自动续约的合同需要结束日期"),
    ("合同 Acme", "缺少合同标题"),
    ("show C99", "No contract C99 among your customers."),
    ("续约 C99", "在你的客户中找不到合同 C99"),
])
def test_hostile_input_gets_a_clear_answer_and_records_nothing(chat, engine, line, expected):
    alice = chat.user("alice")
    alice.say("new Acme")
    out = alice.say(line)
    assert expected in out, out
    assert "E-" not in out
    assert _contracts(engine) == []


def test_renew_links_a_successor_of_the_same_length_and_only_once(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contract Acme Service amount:120000 start:2026-01-01 end:2026-12-31")
    out = alice.say("renew C1")
    assert "Renewed C1 as C2 for Acme: Service, CNY 120,000.00, 2027-01-01 → 2027-12-31, renewed by hand." in out
    assert "C1 is already renewed as C2; nothing was changed" in alice.say("renew C1")
    assert "已续约为 C2" in alice.say("终止 C1")
    assert "Renews C1" in alice.say("show C2") and "Renewed as C2" in alice.say("show C1")
    out = alice.say("续约 C2 结束:2029-06-30 金额:13万")
    assert "已将 C2 续约为 C3" in out and "2028-01-01 至 2029-06-30" in out and "CNY 130,000.00" in out
    assert [c.renewed_from_id for c in _contracts(engine)] == [None, 1, 2]
    assert "ended, renewed or expired" in alice.say("contracts ended")


def test_end_terminates_and_stops_renewal(chat, engine):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contract Acme Service end:2027-06-30")
    assert "Terminated C1 Service of Acme on 2026-11-18 (moved to a competitor)" in alice.say(
        'end C1 reason:"moved to a competitor"')
    assert "C1 was already terminated on 2026-11-18" in alice.say("end C1")
    assert "cannot be renewed" in alice.say("renew C1")
    (contract,) = _contracts(engine)
    assert contract.ended_on == date(2026, 11, 18) and contract.end_reason == "moved to a competitor"
    assert "No contracts in force" in alice.say("contracts")
    audits = [(a.action, a.entity) for a in Session(engine).exec(select(AuditLog)).all() if a.entity == "contract"]
    assert audits == [("create", "contract"), ("update", "contract")]


def test_others_cannot_see_or_change_a_contract_of_a_customer_they_cannot_reach(chat, engine):
    alice, bob, mia = chat.user("alice"), chat.user("bob"), chat.user("mia")
    alice.say("new Acme")
    alice.say("contract Acme Service amount:1000 end:2027-06-30")
    for line in ("show C1", "edit C1 amount:1", "end C1", "renew C1"):
        assert "No contract C1 among your customers." in bob.say(line)
    assert "C1" not in bob.say("contracts")
    assert "C1" in mia.say("contracts team")  # the manager sees the team's contracts
    assert "C1" in alice.say("contracts mine") and "C1" not in mia.say("contracts mine")
    (contract,) = _contracts(engine)
    assert contract.amount == Decimal("1000.00") and contract.ended_on is None


def test_the_database_refuses_a_second_successor_and_an_end_before_the_start(engine):
    from sqlalchemy.exc import IntegrityError

    from storage.models import Customer, User

    with Session(engine) as session:
        user = User(name="u", tenant="t")
        session.add(user)
        session.flush()
        customer = Customer(tenant="t", name="Acme", name_key="acme", pinyin_full="", pinyin_initials="",
                            owner_id=user.id)
        session.add(customer)
        session.flush()
        first = Contract(customer_id=customer.id, title="x", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                         created_by=user.id)
        session.add(first)
        session.flush()
        for _ in range(2):
            session.add(Contract(customer_id=customer.id, title="x", starts_on=date(2027, 1, 1),
                                 ends_on=date(2027, 12, 31), renewed_from_id=first.id, created_by=user.id))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(Contract(customer_id=1, title="x", starts_on=date(2027, 1, 2), ends_on=date(2027, 1, 1),
                             created_by=1))
        session.flush()


def test_the_customer_history_reads_its_contract_changes(chat):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    alice.say("合同 阿里巴巴 年度服务 金额:一万 开始:2026-01-01 结束:2026-12-31")
    alice.say("终止 C1 原因:客户业务调整")
    history = alice.say("历史 阿里巴巴")
    assert "新建合同 #1" in history and "修改合同 #1" in history and "终止原因" in history
