"""`deactivate` / `activate` (admins) and `history` (the audit log read back, newest first, paged)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from storage.models import Customer, User


@pytest.fixture
def config_overrides():
    return {
        "roles": {"admins": ["root"]},
        "teams": [
            {"name": "east", "managers": ["mia"], "members": ["alice", "bob"]},
            {"name": "west", "managers": ["wes"], "members": ["carl"]},
        ],
    }


@pytest.fixture
def people(chat, bot):
    bot.sync_config()
    return {name: chat.user(name) for name in ("alice", "bob", "carl", "mia", "wes", "root")}


def test_a_deactivated_rep_can_do_nothing_until_activated(people, engine):
    alice, root = people["alice"], people["root"]
    alice.say("new Acme")
    out = root.say("deactivate alice")
    assert "Deactivated alice" in out and "mia will be notified instead" in out and "1 customer" in out
    assert "account is deactivated" in alice.say("new Beta Ltd")
    assert "账号已停用" in alice.say("新建 测试公司")
    assert "account is deactivated" in alice.say("show Acme")
    with Session(engine) as session:
        assert session.exec(select(User).where(User.name == "alice")).one().deactivated_at is not None
    assert "already deactivated" in root.say("deactivate alice")
    assert "can use crmbot again" in root.say("activate alice")
    assert "Created customer" in alice.say("new Beta Ltd")


def test_only_admins_deactivate_and_nobody_deactivates_themselves(people):
    assert "Only" in people["mia"].say("deactivate alice")
    assert "cannot deactivate yourself" in people["root"].say("deactivate root")
    assert "已停用" in people["root"].say("停用 bob")
    assert "已重新启用" in people["root"].say("启用 bob")


def test_history_of_a_customer_after_an_assign(people):
    alice, mia, carl = people["alice"], people["mia"], people["carl"]
    alice.say("new Acme phone:13800138000")
    alice.say("edit Acme region:上海")
    mia.say("assign Acme bob")
    out = alice.say("history Acme") if False else mia.say("history Acme")
    lines = out.splitlines()
    assert lines[0].startswith("History of Acme (#1) (3 entries, newest first)")
    assert "mia · console · assigned customer #1: owner alice → bob" in lines[1]
    assert "alice · console · changed customer #1: region" in lines[2] and "上海" in lines[2]
    assert "alice · console · created customer #1" in lines[3]
    assert "No customer matches" in carl.say("history Acme")  # west cannot see east's customer
    zh = mia.say("历史 Acme")
    assert "Acme (#1) 的历史" in zh and "分配客户 #1：负责人 alice → bob" in zh


def test_history_is_paged(people):
    alice = people["alice"]
    alice.say("new Acme")
    for n in range(12):
        alice.say(f"log Acme call number {n}")
    out = alice.say("history Acme")
    assert "page 1/2" in out and "More: history #1 page:2" in out.replace("`", "")
    assert out.count("\n- ") == 10
    second = alice.say("history Acme page:2")
    assert "page 2/2" in second and "created customer #1" in second and "More" not in second


def test_history_of_a_person_shows_config_changes_and_is_for_managers(people, bot, database_url, tmp_path):
    from tests.bot.test_identity import _with_config

    alice, mia, wes = people["alice"], people["mia"], people["wes"]
    alice.say("new Acme")
    _with_config(bot, database_url, tmp_path, roles={"admins": ["root"]}, teams=[
        {"name": "east", "managers": ["mia"], "members": ["bob", "alice"]},
        {"name": "west", "managers": ["wes", "alice"], "members": ["carl"]}])
    out = mia.say("history user alice")
    assert "config file · config changed user" in out
    assert "role rep → manager" in out and "manages — → west" in out or "manages  → west" in out
    assert "created customer #1" in out
    assert "Only managers and admins" in people["bob"].say("history user alice")
    assert "not in a team you manage" in wes.say("history user bob")


def test_a_deactivated_reps_book_is_handed_over_by_name_and_nobody_gives_them_work(people, engine):
    alice, bob, mia, root = people["alice"], people["bob"], people["mia"], people["root"]
    alice.say("new Acme")
    alice.say("log Acme called next:tomorrow 10:00 send quote")
    bob.say("new Beta")
    root.say("deactivate alice")
    assert "alice is deactivated and cannot take customers" in mia.say("assign Beta alice")
    assert "Handed over alice's book to bob" in mia.say("handover alice bob")
    with Session(engine) as session:
        owners = {u.name for u in session.exec(select(User).join(Customer, Customer.owner_id == User.id)).all()}
    assert owners == {"bob"}
    assert "mia · console · handed over user #3: owner alice → bob" in mia.say("history user alice")
