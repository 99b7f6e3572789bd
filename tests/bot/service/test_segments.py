"""Segments and campaigns: a segment by tier and region, listed with counts per owner and only what the asker may
see, shared by a manager; a campaign giving each customer one next step for its owner, its progress, and two
campaigns at once never giving a customer two open steps."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from storage.models import Campaign, Customer, FollowUp, Segment
from tests.bot.test_concurrency import at_once, no_errors, say


@pytest.fixture
def config_overrides():
    return {"teams": [{"name": "east", "managers": ["mia"], "members": ["alice", "bob"]},
                      {"name": "west", "managers": ["wes"], "members": ["carl"]}]}


@pytest.fixture
def book(chat):
    people = {name: chat.user(name) for name in ("alice", "bob", "carl", "mia", "wes")}
    for user in people.values():
        user.say("help")
    people["alice"].say("new 华东甲 tier:vip region:华东")
    people["alice"].say("new 华东乙 tier:vip region:华东 tags:重点,老客户")
    people["alice"].say("new 华北丙 tier:vip region:华北")
    people["bob"].say("new 华东丁 tier:vip region:华东")
    people["bob"].say("new 华东戊 tier:normal region:华东")
    people["carl"].say("new 华东己 tier:vip region:华东")
    return people


def _open_steps(engine) -> dict[str, list[FollowUp]]:
    with Session(engine) as session:
        rows = session.exec(select(FollowUp, Customer.name).join(Customer, Customer.id == FollowUp.customer_id)
                            .where(FollowUp.done_at.is_(None), FollowUp.next_due_at.is_not(None))).all()
    found: dict[str, list[FollowUp]] = {}
    for step, name in rows:
        found.setdefault(name, []).append(step)
    return found


def test_a_segment_by_tier_and_region_lists_what_the_manager_may_see(book, engine):
    mia = book["mia"]
    out = mia.say("分群 华东vip 等级:VIP 地区:华东")
    assert "已保存分群 华东vip：等级:VIP 地区:华东" in out
    assert "共 3 位客户：alice 2，bob 1" in out  # carl's customer is in another team
    for name in ("华东甲", "华东乙", "华东丁"):
        assert name in out
    assert "华北丙" not in out and "华东戊" not in out and "华东己" not in out
    assert "共 3 位客户" in mia.say("分群 华东vip")  # listed again from its saved filter
    assert "Segment 华东vip" in mia.say("segment 华东vip")


def test_filters_on_tags_contact_and_open_tickets(book, engine):
    alice = book["alice"]
    out = alice.say("segment tagged tags:重点")
    assert "1 customer" in out and "华东乙" in out
    alice.say("log 华东甲 called")
    out = alice.say("segment quiet last_contact:>30d")
    assert "2 customers" in out and "华东甲" not in out  # alice's two others were never contacted
    alice.say("ticket 华北丙 broken")
    assert "华北丙" in alice.say("segment troubled open_tickets:yes")
    assert "1 customer" in alice.say("segment troubled")
    assert "2 customers" in alice.say("segment calm open_tickets:no")
    alice.say("order 华东甲 20000")
    assert "华东甲" in alice.say("segment big value:>1万") and "1 customer" in alice.say("segment big")
    assert "3 customers" in alice.say("segment noorders last_order:>90d") or "2 customers" in alice.say(
        "segment noorders")


def test_bad_filters_get_clear_answers_and_save_nothing(book, engine):
    alice = book["alice"]
    assert "not a span of time" in alice.say("segment x last_order:someday")
    assert "白金" in alice.say("segment x tier:白金")
    assert "不是分数上限" in alice.say("分群 x 满意度:>9")
    assert "Unknown field" in alice.say("segment x colour:red") or "colour" in alice.say("segment x colour:red")
    assert "No segment \"nothing\"" in alice.say("segment nothing")
    with Session(engine) as session:
        assert session.exec(select(Segment)).all() == []


def test_a_manager_shares_a_segment_with_the_team_and_reps_see_their_part(book):
    mia, alice, carl = book["mia"], book["alice"], book["carl"]
    assert "Only managers share" in alice.say("segment mine tier:vip share:yes")
    out = mia.say("segment eastvip tier:vip region:华东 share:yes")
    assert "(shared with your team)" in out
    out = alice.say("segment eastvip")
    assert "2 customers" in out and "华东丁" not in out  # the team does not share books: only her own
    assert "eastvip" in alice.say("segments") and "(shared)" in alice.say("segments")
    assert 'No segment "eastvip"' in carl.say("segment eastvip")


def test_a_campaign_gives_each_customer_one_step_for_its_owner(book, engine):
    mia, alice, bob = book["mia"], book["alice"], book["bob"]
    alice.say("log 华东乙 met next:2026-11-25 send samples")
    mia.say("segment eastvip tier:vip region:华东")
    out = mia.say("活动 eastvip 电话介绍新品 期限:2026-11-20")
    assert "已为 2 位客户的负责人安排下一步“电话介绍新品”" in out and "跳过 1 位" in out
    steps = _open_steps(engine)
    assert [s.next_step for s in steps["华东甲"]] == ["电话介绍新品"]
    assert [s.next_step for s in steps["华东乙"]] == ["send samples"]  # an open step is kept
    assert [s.next_step for s in steps["华东丁"]] == ["电话介绍新品"]
    assert steps["华东甲"][0].next_due_date == date(2026, 11, 20)
    assert "电话介绍新品" in alice.say("show 华东甲")  # the card's next step
    assert "A campaign \"eastvip\" exists already" in mia.say("campaign eastvip another")

    bob.say("done 华东丁")
    progress = mia.say("campaign eastvip")
    assert "1 done, 1 open, 0 overdue" in progress
    assert "- alice: 0 done, 1 open, 0 overdue" in progress and "- bob: 1 done, 0 open, 0 overdue" in progress

    out = mia.say("campaign eastvip call again campaign:eastvip2 force:yes")
    assert "3 next steps" in out
    assert [s.next_step for s in _open_steps(engine)["华东乙"]] == ["call again"]


def test_reps_campaign_only_on_their_own_book(book, engine):
    alice, mia = book["alice"], book["mia"]
    mia.say("segment eastvip tier:vip region:华东 share:yes")
    out = alice.say("campaign eastvip follow up on the price list")
    assert "2 next steps" in out
    names = set(_open_steps(engine))
    assert names == {"华东甲", "华东乙"}


def test_two_campaigns_at_once_on_one_segment_make_one_step_per_customer(bot, engine):
    for name in ("mia", "alice", "bob"):
        say(bot, name, "help")
    for i in range(6):
        say(bot, "alice" if i % 2 else "bob", f"new 客户{i} tier:vip")
    say(bot, "mia", "segment vips tier:vip")
    outputs = at_once([lambda: say(bot, "mia", "campaign vips call them campaign:first"),
                       lambda: say(bot, "mia", "campaign vips visit them campaign:second")])
    no_errors(outputs)
    steps = _open_steps(engine)
    assert len(steps) == 6 and all(len(found) == 1 for found in steps.values())
    with Session(engine) as session:
        campaigns = session.exec(select(Campaign)).all()
    assert sorted(c.targeted - c.skipped for c in campaigns) in ([0, 6], [1, 5], [2, 4], [3, 3])
    assert sum(c.targeted - c.skipped for c in campaigns) == 6


def test_two_campaigns_with_one_name_at_once_create_one(bot, engine):
    for name in ("mia", "alice"):
        say(bot, name, "help")
    for i in range(3):
        say(bot, "alice", f"new 客户{i} tier:vip")
    say(bot, "mia", "segment vips tier:vip")
    outputs = at_once([lambda: say(bot, "mia", "campaign vips call them"),
                       lambda: say(bot, "mia", "campaign vips call them")])
    no_errors(outputs)
    assert sum("exists already" in out for out in outputs) == 1
    assert all(len(found) == 1 for found in _open_steps(engine).values())


def test_the_manager_digest_reports_campaign_progress(book, engine, clock):
    from bot.notifications.catalog import kind_title
    from bot.notifications.digest import digest_lines
    from bot.notifications.digest_data import gather_digest
    from storage.models import User

    mia, bob = book["mia"], book["bob"]
    mia.say("segment eastvip tier:vip region:华东")
    mia.say("campaign eastvip call about prices")
    bob.say("done 华东丁")
    with Session(engine) as session:
        manager = session.exec(select(User).where(User.name == "mia")).one()
        data = gather_digest(session, manager, period="daily", now=clock.now(), tz=clock.now().tzinfo)
    assert data.campaigns == (("eastvip", 1, 2, 0),)
    assert "- eastvip: 1 done, 2 open, 0 overdue (`campaign eastvip`)" in digest_lines("en", data, kind_title)
