"""Small things a newcomer notices: markdown in the terminal, "same" vs "similar" names, usage replies."""

from __future__ import annotations


def test_the_duplicate_warning_renders_for_the_terminal_and_tells_same_from_similar(chat):
    alice = chat.user("alice")
    alice.say("new Acme")
    similar = alice.say("new Acme Ltd")
    assert "- #1 Acme (similar name)" in similar
    assert "**" not in similar and "`" not in similar
    assert 'send: new "Acme Ltd" force:yes' in similar
    assert "- #1 Acme (same name)" in alice.say("new ACME")
    alice.say("新建 华东机械")
    assert "华东机械（名称相同）" in alice.say("新建 华东机械")
    assert "华东机械（名称相似）" in alice.say("新建 华东机械有限公司")


def test_restore_without_a_customer_explains_itself_in_the_users_language(chat):
    alice = chat.user("alice")
    en = alice.say("restore")
    assert "Missing customer (name, phone or #id)." in en and "e.g. restore #12" in en
    zh = alice.say("恢复")
    assert "缺少客户（名称、电话或 #编号）。" in zh and "例如：恢复 #12" in zh
    assert "ref" not in zh and "参数" not in zh
