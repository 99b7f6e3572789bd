"""The pipeline view: per stage count, amount and weighted amount, the forecast by close month before and
after a stage change, scopes (mine, team, one rep) and horizons, buttons per stage, counts only in groups."""

from __future__ import annotations

import pytest


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"]},
                      {"name": "west", "managers": ["wes"], "members": ["walt"]}]}


@pytest.fixture
def book(chat):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("新建 阿里巴巴")
    alice.say("商机 阿里巴巴 服务器采购 金额:50万 预计成交:2026-12-31")
    alice.say("商机 阿里巴巴 运维服务 金额:10万 预计成交:2027-01-15 阶段:方案报价")
    bob.say("new Beta")
    bob.say("deal Beta pumps amount:20000 close:2026-11-30 stage:negotiation")
    chat.user("walt").say("new Gamma")
    chat.user("walt").say("deal Gamma valves amount:99999")
    return alice, bob


def test_the_funnel_in_chinese_before_and_after_a_stage_change(chat, book):
    alice, _ = book
    out = alice.say("漏斗")
    assert "销售漏斗 · 我的商机" in out
    assert "初步接洽 10%: 1 个\n│ 初步接洽金额: CNY 500,000.00 · 加权 CNY 50,000.00" in out
    assert "方案报价 50%: 1 个\n│ 方案报价金额: CNY 100,000.00 · 加权 CNY 50,000.00" in out
    assert "需求确认 30%: 0 个" in out
    assert "进行中金额: CNY 600,000.00 · 加权 CNY 100,000.00" in out
    assert "预测 2026-12: CNY 500,000.00 · 加权 CNY 50,000.00" in out
    assert "预测 2027-01: CNY 100,000.00 · 加权 CNY 50,000.00" in out
    alice.say("阶段 D1 商务谈判")
    out = alice.say("漏斗")
    assert "商务谈判金额: CNY 500,000.00 · 加权 CNY 350,000.00" in out
    assert "进行中金额: CNY 600,000.00 · 加权 CNY 400,000.00" in out
    assert "预测 2026-12: CNY 500,000.00 · 加权 CNY 350,000.00" in out
    assert "[商务谈判 (1): 商机列表 商务谈判 我的]" in out
    clicked = alice.say(alice.last[0].card.actions[-1].value)  # the button's value, as a platform sends it
    assert "进行中的商机 · 我的商机 · 商务谈判" in clicked and "D1 服务器采购 · 阿里巴巴 · 商务谈判" in clicked


def test_managers_see_their_team_and_each_rep_and_no_one_else(chat, book):
    mia = chat.user("mia")
    out = mia.say("pipeline")
    assert "Pipeline · team" in out and "Open deals: 3" in out
    assert "weighted CNY 114,000.00" in out  # 50k + 50k + 70 % of 20k
    assert "Open deals: 1" in mia.say("pipeline bob")
    assert "not on a team you manage" in mia.say("pipeline walt")
    assert "not on a team you manage" in chat.user("alice").say("pipeline bob")
    assert "Open deals: 1" in chat.user("wes").say("pipeline team")


def test_the_month_horizon_keeps_deals_closing_by_its_end_and_counts_the_closed(chat, book):
    alice, bob = book
    out = alice.say("pipeline month")
    assert "this month" in out and "Open deals: 0" in out  # both of alice's deals close later
    bob.say("won D3")
    out = chat.user("mia").say("pipeline team quarter")
    assert "closing by 2026-12-31" in out and "Open deals: 1" in out  # D1 closes in Q4, D2 in January, D3 won
    assert "won 1 · lost 0" in out and "Won amount: CNY 20,000.00" in out


def test_stage_buttons_list_the_deals_of_that_stage(chat, book):
    mia = chat.user("mia")
    mia.say("pipeline")
    card = mia.last[0].card
    commands = [a.command for a in card.actions]
    assert commands == ["deals qualify team", "deals proposal team", "deals negotiation team"]
    out = mia.say("deals negotiation team")
    assert "D3 pumps · Beta · negotiation · CNY 20,000.00 (weighted CNY 14,000.00) · closes 2026-11-30" in out
    assert "No open deals in needs" in mia.say("deals needs")


def test_seen_by_others_the_funnel_keeps_counts_and_loses_amounts(chat, book):
    from adapters.console.render import render_reply
    from bot.delivery import for_audience

    alice, _ = book
    alice.say("漏斗")
    out = render_reply(for_audience(alice.last[0], seen_by_others=True))
    assert "初步接洽 10%: 1 个" in out and "CNY" not in out
    assert "CNY" not in alice.say("商机列表", direct=False) and "D1 服务器采购" in alice.say("商机列表", direct=False)
