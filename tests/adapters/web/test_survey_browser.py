"""The survey page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium):
a phone-sized window, a tap on a score, a comment, the thank-you page, and the link refused afterwards.

Skipped, saying why, when the browser or Selenium is not installed (`.ci/run` installs them).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=390,844")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("chromium / chromium-driver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def browser() -> Iterator[object]:
    profile = tempfile.mkdtemp(prefix="crmbot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _text_of(browser, element_id: str) -> str:
    """The text of an element of the page the last click led to (a form post navigates asynchronously)."""
    return WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, element_id))[0].text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_customer_answers_on_a_phone_sized_page(web, browser):
    url = web.link()
    browser.get(url)
    assert browser.find_element(By.ID, "question").text == "您对我们的服务满意吗？"
    # Fits a phone: nothing wider than the window, the send button on screen without scrolling sideways.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    browser.find_element(By.ID, "send").click()  # no score chosen
    assert "请先选择一个分数" in _text_of(browser, "error")
    browser.find_element(By.CSS_SELECTOR, "label:has(#score-1)").click()
    browser.find_element(By.ID, "comment").send_keys("客服回复太慢")
    browser.find_element(By.ID, "send").click()
    assert _text_of(browser, "message") == "我们已收到您的评价，感谢您的反馈。"
    assert browser.find_element(By.ID, "title").text == "谢谢您！"
    (answer,) = web.answers()
    assert (answer.score, answer.comment) == (1, "客服回复太慢")
    browser.get(url)
    assert "已经提交过" in browser.find_element(By.ID, "message").text
    assert len(web.answers()) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_english_page_and_a_tampered_link(web, browser):
    url = web.link("survey Acme lang:en")
    browser.get(url)
    assert "How satisfied are you" in browser.find_element(By.ID, "question").text
    browser.find_element(By.ID, "switch-language").click()
    WebDriverWait(browser, 10).until(lambda b: "您对我们的服务满意吗" in b.find_element(By.ID, "question").text)
    browser.get(url[:-2] + "xx")
    assert "链接无效" in browser.find_element(By.ID, "message").text
