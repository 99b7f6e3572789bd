"""`settings`: show and change the time zone, language and morning hour; bad values change nothing."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from storage.models import AuditLog, User


def _alice(engine) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(User.name == "alice")).one()


def test_without_options_shows_the_current_settings(chat):
    out = chat.user("alice").say("settings")
    assert "Time zone: Asia/Shanghai (default), it is now 2026-11-18 10:00" in out
    assert "Language: automatic" in out
    assert "Morning hour for date-only reminders: 09:00" in out


def test_changing_zone_language_and_morning_hour(chat, engine):
    alice = chat.user("alice")
    out = alice.say("settings tz:America/New_York morning:8")
    assert "Settings saved:" in out and "Time zone: America/New_York, it is now 2026-11-17 21:00" in out
    user = _alice(engine)
    assert (user.timezone, user.morning_hour) == ("America/New_York", 8)
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.entity == "user")).one()
    assert json.loads(audit.after) == {"timezone": "America/New_York", "morning_hour": 8}
    assert "My day: Tue 2026-11-17 (America/New_York)" in alice.say("today")


def test_language_switch_answers_in_the_new_language_from_then_on(chat, engine):
    alice = chat.user("alice")
    assert "设置已保存" in alice.say("settings lang:zh")
    assert _alice(engine).language == "zh"
    assert "我的一天" in alice.say("today")  # typed in English, answered in the chosen language
    assert "Settings saved" in alice.say("设置 语言:英文")
    assert "My day" in alice.say("今天")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("settings tz:Mars/Olympus", '"Mars/Olympus" is not a time zone'),
        ("settings morning:25", '"25" is not an hour'),
        ("settings morning:early", '"early" is not a number'),
        ("settings lang:fr", '"fr" is not a valid lang'),
        ("settings colour:red", 'Unknown field "colour"'),
        ("设置 时区:火星", "不是时区"),
    ],
)
def test_bad_settings_change_nothing(chat, engine, line, expected):
    alice = chat.user("alice")
    alice.say("settings")
    before = _alice(engine).model_dump()
    assert expected in alice.say(line)
    assert _alice(engine).model_dump() == before
