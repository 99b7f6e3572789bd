"""Report charts: a PNG with the funnel, the forecast and activity by rep, drawn for a manager and for a rep, and
written from the command line."""

from __future__ import annotations

import pytest

from adapters.cli import main
from bot.reports.charts import PNG_SIGNATURE


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"]}]}


@pytest.fixture
def book(chat):
    alice, bob = chat.user("alice"), chat.user("bob")
    chat.user("mia").say("help")
    alice.say("new Acme")
    alice.say("deal Acme pumps amount:120k close:2026-12-31")
    alice.say("deal Acme valves amount:5000 stage:proposal close:2027-01-15")
    alice.say("log Acme called them")
    bob.say("new Beta")
    bob.say("deal Beta boxes amount:9000")
    return alice


def test_the_chart_is_a_png_for_a_manager_and_a_rep(engine, settings, clock, book):
    from zoneinfo import ZoneInfo

    from sqlmodel import Session, select

    from bot.reports.report_chart import report_chart_png
    from storage.models import User

    with Session(engine) as session:
        for name in ("mia", "alice"):
            user = session.exec(select(User).where(User.name == name)).one()
            png = report_chart_png(session, user, settings, period="week", now=clock.now(),
                                   tz=ZoneInfo("Asia/Shanghai"), lang="zh")
            assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000


def test_crmbot_report_writes_the_chart(monkeypatch, database_url, tmp_path, book, capsys):
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    target = tmp_path / "out" / "week.png"
    assert main(["report", "--as", "alice", "--period", "week", "--chart", str(target), "--lang", "en"]) == 0
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert "Chart written to" in capsys.readouterr().out
    assert main(["report", "--as", "alice", "--chart", str(tmp_path / "week.jpg")]) == 2


def test_the_report_adds_the_pipeline_tiers_and_regions(chat, book):
    book.say("edit Acme region:杭州")
    out = chat.user("mia").say("report")
    assert "Pipeline (deals closing this month, by current owner): 1 open, CNY 9,000.00, weighted CNY 900.00" in out
    assert "Customers by tier (by current owner): VIP 0 · key 0 · normal 2" in out
    assert "Top regions: 杭州 1" in out
    zh = chat.user("mia").say("报表")
    assert "客户等级（按当前负责人）：VIP 0 · 重点 0 · 普通 2" in zh and "主要地区：杭州 1" in zh
