"""The survey page over plain HTTP: form, answer, and every refusal a stranger or a second click can cause."""

from __future__ import annotations

import re
from datetime import timedelta

import requests

from storage.models import Satisfaction


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, html
    return match[1]


def _open(url: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(url, timeout=5)
    assert page.status_code == 200, page.text
    return browser, _csrf(page.text)


def test_the_page_takes_one_answer_and_thanks_the_customer(web):
    url = web.link()
    browser = requests.Session()
    page = browser.get(url, timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "same-origin"
    assert "您对我们的服务满意吗？" in page.text and 'name="viewport"' in page.text and "Acme" in page.text
    assert "crm_survey" in browser.cookies.get_dict()
    sent = browser.post(url, data={"csrf": _csrf(page.text), "lang": "zh", "score": "1", "comment": "太慢了 <script>"},
                        timeout=5)
    assert sent.status_code == 200 and "谢谢您" in sent.text
    (answer,) = web.answers()
    assert (answer.score, answer.comment, answer.low) == (1, "太慢了 <script>", True)
    again = browser.post(url, data={"csrf": _csrf(page.text), "score": "5"}, timeout=5)
    assert again.status_code == 410 and "已经提交过" in again.text
    assert browser.get(url, timeout=5).status_code == 410
    assert web.count(Satisfaction) == 1 and web.survey_followups() == 1
    card = web.rep.say("show Acme")
    assert "Satisfaction: 1/5" in card and "回访" in card


def test_tampered_and_unknown_links_get_a_friendly_404_and_store_nothing(web):
    url = web.link()
    for bad in (url[:-1] + ("A" if url[-1] != "A" else "B"), web.base + "/s/1.zz." + "0" * 32,
                web.base + "/s/%3Cscript%3E", web.base + "/s/"):
        got = requests.get(bad, timeout=5)
        assert got.status_code == 404 and "链接无效" in got.text and "Traceback" not in got.text, bad
        posted = requests.post(bad, data={"score": "1"}, timeout=5)
        assert posted.status_code == 404
    assert requests.get(web.base + "/anything", timeout=5).status_code == 404
    assert web.count(Satisfaction) == 0


def test_a_form_without_the_browser_cookie_or_from_another_site_is_refused(web):
    url = web.link()
    browser, csrf = _open(url)
    stranger = requests.post(url, data={"csrf": csrf, "score": "1"}, timeout=5)  # no cookie
    assert stranger.status_code == 403 and "刷新页面" in stranger.text
    forged = browser.post(url, data={"csrf": "0" * 32, "score": "1"}, timeout=5)
    assert forged.status_code == 403
    cross_site = browser.post(url, data={"csrf": csrf, "score": "1"}, headers={"Origin": "https://evil.example"},
                              timeout=5)
    assert cross_site.status_code == 403
    assert web.count(Satisfaction) == 0
    assert browser.post(url, data={"csrf": csrf, "score": "4"}, timeout=5).status_code == 200


def test_oversized_and_unusable_forms_change_nothing(web):
    url = web.link()
    browser, csrf = _open(url)
    huge = browser.post(url, data={"csrf": csrf, "score": "1", "comment": "x" * 40_000}, timeout=5)
    assert huge.status_code == 413 and "太大" in huge.text
    long = browser.post(url, data={"csrf": csrf, "score": "1", "comment": "长" * 1001}, timeout=5)
    assert long.status_code == 400 and "1000" in long.text and 'name="score"' in long.text
    for score in ("", "6", "-1", "1.5", "一"):
        bad = browser.post(url, data={"csrf": csrf, "score": score, "comment": "kept"}, timeout=5)
        assert bad.status_code == 400 and "kept" in bad.text, score
    assert web.count(Satisfaction) == 0


def test_an_expired_link_is_refused(web, clock):
    url = web.link()
    clock.set(clock.now() + timedelta(days=30, seconds=1))
    got = requests.get(url, timeout=5)
    assert got.status_code == 410 and "已过期" in got.text


def test_the_page_follows_the_link_language_and_switches(web):
    url = web.link("survey Acme lang:en")
    page = requests.get(url, timeout=5)
    assert "How satisfied are you" in page.text and "中文" in page.text
    assert "您对我们的服务满意吗" in requests.get(url + "?lang=zh", timeout=5).text


def test_health_is_served_too(web):
    assert requests.get(web.base + "/healthz", timeout=5).json() == {"status": "ok"}
