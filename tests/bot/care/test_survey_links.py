"""`survey` gives the rep a signed, single-use link; answering it stores the score, logs a follow-up, shows on
the card, and a low score opens a call-back step; tampered, reused and expired links store nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from bot.services.surveys import SurveyInputError, SurveyRefused, answer_survey, open_survey
from storage.models import FollowUp, Satisfaction, SurveyInvite

_LINK = re.compile(r"https?://\S+/s/(\S+)")


def _token(reply: str) -> str:
    match = _LINK.search(reply)
    assert match, reply
    return match[1]


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def config_overrides():
    return {"http": {"public_url": "https://crm.example.com"}}


def test_a_link_answered_once_is_logged_and_shown_on_the_card(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    reply = alice.say("survey Acme")
    assert "https://crm.example.com/s/" in reply and "valid until" in reply
    token = _token(reply)
    form = open_survey(engine, token, now=clock.now())
    assert form.customer_name == "Acme" and list(form.scores) == [1, 2, 3, 4, 5] and form.lang == "zh"
    answer = answer_survey(engine, settings, token, score_text="4", comment="快 & 好 <b>", now=clock.now())
    assert not answer.low
    with pytest.raises(SurveyRefused) as again:
        answer_survey(engine, settings, token, score_text="1", comment=None, now=clock.now())
    assert again.value.reason == "used"
    with pytest.raises(SurveyRefused):
        open_survey(engine, token, now=clock.now())
    assert _count(engine, Satisfaction) == 1
    with Session(engine) as session:
        followup = session.exec(select(FollowUp).where(FollowUp.kind == "survey")).one()
        assert followup.text == "满意度调查：4/5 分——快 & 好 <b>" and followup.next_due_at is None
    card = alice.say("show Acme")
    assert "Satisfaction: 4/5" in card


def test_tampered_and_expired_links_store_nothing(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    token = _token(alice.say("survey Acme"))
    invite_id, stamp, signature = token.split(".")
    forged = [f"{int(invite_id) + 1}.{stamp}.{signature}", f"{invite_id}.{stamp}z.{signature}",
              f"{invite_id}.{stamp}.{signature[:-1]}A" if signature[-1] != "A" else f"{invite_id}.{stamp}.{signature[:-1]}B",
              "", "../../etc/passwd", "1.2.3"]
    for bad in forged:
        with pytest.raises(SurveyRefused) as refused:
            answer_survey(engine, settings, bad, score_text="1", comment=None, now=clock.now())
        assert refused.value.reason == "invalid", bad
    later = clock.now() + timedelta(days=31)
    with pytest.raises(SurveyRefused) as expired:
        answer_survey(engine, settings, token, score_text="1", comment=None, now=later)
    assert expired.value.reason == "expired"
    with pytest.raises(SurveyInputError):
        answer_survey(engine, settings, token, score_text="9", comment=None, now=clock.now())
    with pytest.raises(SurveyInputError):
        answer_survey(engine, settings, token, score_text="3", comment="x" * 1001, now=clock.now())
    assert _count(engine, Satisfaction) == 0 and _count(engine, FollowUp) == 0
    with Session(engine) as session:
        assert session.exec(select(SurveyInvite)).one().answered_at is None


def test_a_low_score_opens_a_call_back_step_for_the_owner(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    answer = answer_survey(engine, settings, _token(alice.say("survey Acme")), score_text="1", comment="太慢",
                           now=clock.now())
    assert answer.low
    card = alice.say("show Acme")
    assert "回访" in card and "Satisfaction: 1/5" in card
    # A second low answer does not replace the open step (only `done` or `log next:` does).
    answer_survey(engine, settings, _token(alice.say("survey Acme")), score_text="2", comment=None, now=clock.now())
    with Session(engine) as session:
        open_steps = session.exec(select(FollowUp).where(FollowUp.next_due_at.is_not(None))).all()
        assert len(open_steps) == 1
    assert "2/5 (↑ from 1)" in alice.say("show Acme")


def test_contact_order_and_language(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    alice.say("contact Acme Lily phone:13800138000")
    alice.say("order Acme 500")
    token = _token(alice.say("survey Acme Lily order:#1 lang:en"))
    form = open_survey(engine, token, now=clock.now())
    assert form.contact_name == "Lily" and form.lang == "en"
    assert "no contact" in alice.say("survey Acme Bob")
    assert "no order #9" in alice.say("survey Acme order:#9")
    answer_survey(engine, settings, token, score_text="5", comment=None, now=clock.now())
    with Session(engine) as session:
        row = session.exec(select(Satisfaction)).one()
        assert (row.order_id, row.contact_id is not None, row.scale) == (1, True, "five")


def test_other_reps_cannot_survey_a_customer_they_do_not_own(chat):
    chat.user("alice").say("new Acme")
    assert "https://" not in chat.user("bob").say("survey Acme")


def test_chinese_command(chat):
    alice = chat.user("alice")
    alice.say("新建 阿里巴巴")
    reply = alice.say("调查 阿里巴巴")
    assert "满意度调查链接" in reply and "/s/" in reply


def test_reports_count_survey_answers(chat, engine, settings, clock):
    from config.settings import load_settings

    del settings
    managed = load_settings(database_url=str(engine.url.render_as_string(hide_password=False)),
                            teams=[{"name": "east", "managers": ["mia"], "members": ["alice"]}],
                            http={"public_url": "https://crm.example.com"})
    from bot.dispatcher import Bot
    from tests.support.chat import Chat

    bot = Bot(engine=engine, settings=managed, clock=clock)
    bot.sync_config()
    room = Chat(bot)
    alice = room.user("alice")
    alice.say("new Acme")
    answer_survey(engine, managed, _token(alice.say("survey Acme")), score_text="1", comment=None, now=clock.now())
    answer_survey(engine, managed, _token(alice.say("survey Acme")), score_text="5", comment=None, now=clock.now())
    report = room.user("mia").say("report")
    assert "surveys: 2 answers, 1 low" in report
    assert "满意度调查：回复 2 份，低分 1 份" in room.user("mia").say("报表")


def test_two_submissions_at_once_store_one_answer(chat, engine, settings, clock):
    import threading

    alice = chat.user("alice")
    alice.say("new Acme")
    token = _token(alice.say("survey Acme"))
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def submit(score: str) -> None:
        barrier.wait()
        try:
            answer_survey(engine, settings, token, score_text=score, comment=None, now=clock.now())
            outcomes.append("stored")
        except SurveyRefused as refused:
            outcomes.append(refused.reason)

    threads = [threading.Thread(target=submit, args=(str(n),)) for n in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["stored", "used", "used", "used"]
    assert _count(engine, Satisfaction) == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FollowUp)).one() == 1
