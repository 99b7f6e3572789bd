"""Identity: roles and teams go to identities the platform proves, the config is the source of truth at
every start, people it names exist before they write, and a burst of first contacts makes one user."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.dispatcher import Bot
from bot.messages import Incoming
from config.settings import load_settings
from storage.models import AuditLog, Customer, ManagerTeam, Team, User, UserIdentity


def _slack(bot: Bot, member: str, text: str, *, name: str | None = None, email: str | None = None,
           team: str = "T1") -> str:
    incoming = Incoming(platform="slack", workspace=team, channel=f"D{member}", user_id=member, user_name=name,
                        user_email=email, text=text)
    return "\n".join(reply.text for reply in bot.handle(incoming))


def _user(engine, **where) -> User:
    with Session(engine) as session:
        query = select(User)
        for key, value in where.items():
            query = query.where(getattr(User, key) == value)
        return session.exec(query).one()


def _with_config(bot: Bot, database_url: str, tmp_path, **config) -> Bot:
    """The same database with a different config, as after editing crmbot.toml and restarting."""
    settings = load_settings(database_url=database_url, data_dir=tmp_path / "data", **config)
    restarted = Bot(engine=bot.engine, settings=settings, clock=bot.clock)
    restarted.sync_config()
    return restarted


class TestDisplayNamesGrantNothing:
    @pytest.fixture
    def config_overrides(self):
        return {"roles": {"admins": ["root", "slack:T1/UADMIN"]},
                "teams": [{"name": "East", "managers": ["mia"], "members": ["alice"]}]}

    def test_a_slack_user_calling_themselves_root_stays_a_rep(self, bot, engine):
        out = _slack(bot, "UEVIL", "report", name="root")
        assert "Only managers and admins" in out
        assert _slack(bot, "UMIA", "report", name="mia").startswith("Only managers and admins")
        with Session(engine) as session:
            roles = dict(session.exec(select(UserIdentity.external_id, User.role)
                                      .join(User, User.id == UserIdentity.user_id)).all())
        assert roles == {"UEVIL": "rep", "UMIA": "rep", "UADMIN": "admin"}  # UADMIN: named, created in T1

    def test_the_member_id_is_what_counts(self, bot, engine):
        assert "Only managers" not in _slack(bot, "UADMIN", "report", name="Someone Else")
        assert _user(engine, display_name="Someone Else").role == "admin"
        # The same member id in another workspace is another person.
        assert "Only managers" in _slack(bot, "UADMIN", "report", name="x", team="T2")

    def test_two_people_with_one_display_name_stay_two_users(self, bot, engine):
        _slack(bot, "U1", "new Acme", name="Wang Wei")
        _slack(bot, "U2", "new Beta", name="Wang Wei")
        with Session(engine) as session:
            users = session.exec(select(User).where(User.display_name == "Wang Wei").order_by(User.id)).all()
            owners = dict(session.exec(select(Customer.name, Customer.owner_id)).all())
        assert [(u.name, u.display_name) for u in users] == [("Wang_Wei", "Wang Wei"), ("Wang_Wei2", "Wang Wei")]
        assert owners == {"Acme": users[0].id, "Beta": users[1].id}
        assert "No customer matches" in _slack(bot, "U2", "show Acme", name="Wang Wei")


class TestEmail:
    @pytest.fixture
    def config_overrides(self):
        return {"roles": {"admins": ["email:Ann@Example.com"]}}

    def test_only_the_address_the_platform_reports_counts(self, bot, engine):
        # A display name that looks like the address is just a name.
        assert "Only managers" in _slack(bot, "UFAKE", "report", name="ann@example.com")
        assert "Only managers" not in _slack(bot, "UANN", "report", name="Ann", email="ann@example.com")
        assert _user(engine, display_name="Ann").role == "admin"
        assert _user(engine, display_name="ann@example.com").role == "rep"

    def test_an_address_reported_later_grants_and_a_changed_one_revokes(self, bot, engine):
        _slack(bot, "UANN", "help", name="Ann")
        assert _user(engine, display_name="Ann").role == "rep"
        _slack(bot, "UANN", "help", name="Ann", email="ann@example.com")
        assert _user(engine, display_name="Ann").role == "admin"
        _slack(bot, "UANN", "help", name="Ann", email="ann@elsewhere.org")
        assert _user(engine, display_name="Ann").role == "rep"


class TestConfigIsTheSourceOfTruth:
    @pytest.fixture
    def config_overrides(self):
        return {"roles": {"admins": ["root"]},
                "teams": [{"name": "East", "managers": ["mia"], "members": ["alice", "bob"]},
                          {"name": "West", "managers": ["wes"], "members": ["carl"]}]}

    def test_people_named_in_the_config_exist_before_their_first_message(self, bot, chat, engine):
        bot.sync_config()
        with Session(engine) as session:
            users = {u.name: (u.role, u.team_id is not None) for u in session.exec(select(User)).all()}
        assert users == {"root": ("admin", False), "mia": ("manager", True), "wes": ("manager", True),
                         "alice": ("rep", True), "bob": ("rep", True), "carl": ("rep", True)}
        mia = chat.user("mia")
        mia.say("new Acme")
        assert "now belongs to bob" in mia.say("assign Acme bob")
        assert "Handed over bob's book to alice" in mia.say("handover bob alice")

    def test_removals_moves_and_additions_apply_at_the_next_start_and_are_audited(
            self, bot, chat, engine, database_url, tmp_path):
        bot.sync_config()
        chat.user("carl").say("new Westwind")
        bot = _with_config(bot, database_url, tmp_path, roles={"admins": []}, teams=[
            {"name": "East", "managers": ["alice"], "members": ["bob", "carl"]},
            {"name": "West", "managers": ["wes"], "members": []},
        ])
        with Session(engine) as session:
            users = {u.name: u for u in session.exec(select(User)).all()}
            teams = {t.id: t.name for t in session.exec(select(Team)).all()}
            manages = {(m.manager_id, teams[m.team_id]) for m in session.exec(select(ManagerTeam)).all()}
            westwind = session.exec(select(Customer)).one()
            audits = {users_by_id.name: (json.loads(a.before), json.loads(a.after)) for a in session.exec(
                select(AuditLog).where(AuditLog.platform == "config").order_by(AuditLog.id))
                for users_by_id in [session.get(User, a.entity_id)]}
        assert (users["root"].role, users["mia"].role, users["alice"].role) == ("rep", "rep", "manager")
        assert teams[users["carl"].team_id] == "East" and users["mia"].team_id is None
        assert manages == {(users["alice"].id, "East"), (users["wes"].id, "West")}
        assert teams[westwind.team_id] == "East"  # carl's book moved with him
        assert audits["root"] == ({"role": "admin", "team": None, "manages": []},
                                  {"role": "rep", "team": None, "manages": []})
        assert audits["mia"][1] == {"role": "rep", "team": None, "manages": []}
        assert audits["carl"] == ({"role": "rep", "team": "West", "manages": []},
                                  {"role": "rep", "team": "East", "manages": [], "customers_moved": 1})
        assert "Only managers and admins" in chat.user("root").say("report")
        # A second start with the same config changes and audits nothing.
        again = _with_config(bot, database_url, tmp_path, roles={"admins": []}, teams=[
            {"name": "East", "managers": ["alice"], "members": ["bob", "carl"]},
            {"name": "West", "managers": ["wes"], "members": []}])
        assert again.sync_config().changed == []

    def test_people_the_config_never_named_keep_what_they_have(self, bot, engine):
        with Session(engine) as session:
            session.add(User(tenant="console", name="demo_mgr", role="manager"))
            session.commit()
        bot.sync_config()
        assert _user(engine, name="demo_mgr").role == "manager"


class TestPlatformEntriesAtStart:
    @pytest.fixture
    def config_overrides(self):
        return {"teams": [{"name": "East", "managers": ["slack:T1/UMGR"], "members": ["slack:UNEW"]}]}

    def test_slack_people_exist_in_their_workspace_before_they_write(self, bot, engine):
        bot.sync_config()
        assert _user(engine, name="UMGR").role == "manager"
        # UNEW names no workspace: created once the bot serves one (here: when the manager first writes).
        assert "now belongs to" in _slack(bot, "UMGR", "new Acme", name="Mia") + _slack(bot, "UMGR",
                                                                                           "assign Acme @UNEW")
        newbie = _user(engine, name="UNEW")
        assert newbie.team_id is not None
        _slack(bot, "UNEW", "help", name="Nia New")
        assert _user(engine, id=newbie.id).display_name == "Nia New"


@pytest.mark.parametrize("threads", [24])
def test_a_burst_of_first_messages_creates_one_user_and_every_command_succeeds(bot, engine, database_url, threads):
    from storage.db import create_db_engine

    # Two replicas: separate engines (connection pools) on one database, sharing nothing in memory.
    other_engine = create_db_engine(database_url)
    replicas = [bot, Bot(engine=other_engine, settings=bot.settings, clock=bot.clock)]
    start = threading.Barrier(threads)

    def new(n: int) -> str:
        start.wait()
        return _slack(replicas[n % 2], "UBURST", f'new "Conc {n} Ltd" force:yes', name="Burst")

    try:
        with ThreadPoolExecutor(threads) as pool:
            replies = list(pool.map(new, range(threads)))
    finally:
        other_engine.dispose()
    assert all("Created" in reply for reply in replies), [r for r in replies if "Created" not in r]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1
        assert session.exec(select(func.count()).select_from(UserIdentity)).one() == 1
        assert session.exec(select(func.count()).select_from(Customer)).one() == threads


def test_replicas_starting_together_apply_the_config_once(bot, engine, database_url, tmp_path):
    bot.sync_config()
    config = {"roles": {"admins": ["root"]}, "teams": [{"name": "East", "managers": ["mia", "zoe"], "members": []}]}
    replicas = [Bot(engine=bot.engine, settings=load_settings(database_url=database_url, data_dir=tmp_path / "d",
                                                               **config), clock=bot.clock) for _ in range(4)]
    start = threading.Barrier(len(replicas))

    def run(replica: Bot):
        start.wait()
        return replica.sync_config()

    with ThreadPoolExecutor(len(replicas)) as pool:
        reports = list(pool.map(run, replicas))
    assert sorted(name for report in reports for name in report.created) == ["mia", "root", "zoe"]
    with Session(engine) as session:
        audited = session.exec(select(AuditLog.entity_id).where(AuditLog.platform == "config")).all()
        zoe = session.exec(select(User).where(User.name == "zoe")).one()
    assert audited.count(zoe.id) == 1 and zoe.role == "manager"
