"""`find` also reaches customers through a contact's name, phone or e-mail, the region and the tier."""

from __future__ import annotations


def test_find_by_contact_name_region_and_tier_ranks_them_after_name_matches(chat):
    alice = chat.user("alice")
    alice.say("新建 华东机械 地区:江苏")
    alice.say("联系人 华东机械 张伟 电话:13912345678 邮箱:zhang@hdjx.cn")
    alice.say("新建 上海精工 地区:浙江")
    alice.say("新建 东方重工 地区:上海 等级:vip")
    alice.say("new Acme tier:key")

    out = alice.say("查找 张伟")
    assert "华东机械" in out and "上海精工" not in out
    assert "华东机械" in alice.say("find 13912345678") and "华东机械" in alice.say("find zhang@hdjx.cn")
    found = alice.say("find 上海")
    assert found.index("上海精工") < found.index("东方重工")  # the name match first, then the region
    assert "东方重工" in alice.say("find vip") and "Acme" not in alice.say("find vip")
    assert "Acme" in alice.say("查找 重点")


def test_find_by_contact_never_shows_another_reps_customer(chat):
    alice, bob = chat.user("alice"), chat.user("bob")
    alice.say("new Acme")
    alice.say("contact Acme Zhang Wei")
    assert "Nothing found" in bob.say("find Zhang Wei")
