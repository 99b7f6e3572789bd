"""More of what users notice around care features: the NPS scale, the signals `dupes` uses, and that the
web server starts only when no Slack HTTP server carries the pages."""

from __future__ import annotations

import re

import pytest

from bot.services.surveys import SurveyInputError, answer_survey, open_survey


@pytest.fixture
def config_overrides():
    return {"surveys": {"scale": "nps"}, "http": {"public_url": "https://crm.example.com"}}


def test_an_nps_survey_asks_0_to_10_and_alerts_at_6_or_below(chat, engine, settings, clock):
    alice = chat.user("alice")
    alice.say("new Acme")
    reply = alice.say("survey Acme")
    assert "NPS 0–10" in reply
    token = re.search(r"/s/(\S+)", reply)[1]
    form = open_survey(engine, token, now=clock.now())
    assert list(form.scores) == list(range(11))
    with pytest.raises(SurveyInputError):
        answer_survey(engine, settings, token, score_text="11", comment=None, now=clock.now())
    assert answer_survey(engine, settings, token, score_text="6", comment=None, now=clock.now()).low
    assert "Satisfaction: 6/10" in alice.say("show Acme")


def test_dupes_finds_email_pinyin_and_similar_names(chat):
    alice = chat.user("alice")
    alice.say("new Globex email:Buy@Globex.example")
    alice.say("new Globex Trading email:buy@globex.example force:yes")
    alice.say("new 华为技术")
    alice.say("new 化为技术 force:yes")
    alice.say("new Initech Systems")
    alice.say("new Initek Systems force:yes")
    alice.say("new Umbrella")
    found = alice.say("dupes")
    assert "#1 Globex ⇐ #2 Globex Trading (same e-mail)" in found
    assert "#3 华为技术 ⇐ #4 化为技术 (same pinyin)" in found
    assert "#5 Initech Systems ⇐ #6 Initek Systems (similar name)" in found
    assert "Umbrella" not in found
    assert found.index("same e-mail") < found.index("same pinyin") < found.index("similar name")


def test_the_web_server_starts_only_without_a_slack_http_server():
    from adapters.services import web_service

    class SlackHttp:
        serves_http = True

    class DingTalk:
        serves_http = False

    runtime = object()
    assert web_service(runtime, [SlackHttp()]) is None  # type: ignore[arg-type]
    assert web_service(runtime, [DingTalk()]).name == "web"  # type: ignore[arg-type]
    assert web_service(runtime, []).name == "web"  # type: ignore[arg-type]
