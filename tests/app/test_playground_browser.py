"""The playground page in a real browser: headless Chromium, driven by Selenium, on the app served
by uvicorn on a free loopback port, answering through the local stand-in model.

Chromium and its driver are Debian's (``make browser`` installs them; ``make test`` runs it
first). The stand-in pauses mid-answer where a test needs to see the page between two deltas.
Waits are explicit (a condition polled until a timeout), never fixed sleeps.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

import app as app_module
from config import Settings
from tests.support import PROJECT_DIR
from tests.support.app import FakeBedrock, LiveServer, Script, make_client

# Every run writes the picture under .build/ (proof the page renders); UPDATE_SCREENSHOT=1 also
# writes the README's copy, which would otherwise change on every run (its timings differ).
SCREENSHOT = PROJECT_DIR / ".build" / "playground.png"
README_SCREENSHOT = PROJECT_DIR / "docs" / "playground.png"
WAIT_SECONDS = 15
PAUSE_SECONDS = 4  # the stand-in's pause mid-answer: far longer than the page needs to show a delta


def browser_binaries() -> tuple[str, str]:
    """Chromium and chromedriver, or a failure that says how to install them."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail(
            "Chromium and chromedriver are needed for the browser tests: run `make browser` "
            "(apt-get install chromium chromium-driver)"
        )
    return chromium, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, driver = browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1000,880",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
    ):
        options.add_argument(argument)
    # An explicit driver path: Selenium Manager never looks for (or downloads) one.
    with webdriver.Chrome(options=options, service=Service(executable_path=driver)) as chrome:
        yield chrome


@pytest.fixture
def page(browser: WebDriver, stand_in: FakeBedrock) -> Iterator[Page]:
    """The playground, freshly loaded, on a live server answering through the stand-in."""
    settings = Settings()
    with LiveServer(app_module.create_app(settings, make_client(stand_in, settings))) as server:
        browser.get(f"{server.url}/playground")
        yield Page(browser, settings)


class Page:
    """The playground as a person uses it: fields to fill, buttons to press, turns to read."""

    def __init__(self, driver: WebDriver, settings: Settings) -> None:
        self.driver = driver
        self.settings = settings
        self.until(lambda _: self.driver.execute_script("return document.body.dataset.state") == "idle")

    def until(self, condition, message: str = "", timeout: float = WAIT_SECONDS):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition, message)

    def field(self, element_id: str) -> WebElement:
        return self.driver.find_element(By.ID, element_id)

    def fill(self, element_id: str, text: str) -> None:
        self.field(element_id).clear()
        self.field(element_id).send_keys(text)

    def ask(self, *keys: str) -> None:
        """Type into the message box and press Enter, which sends."""
        self.field("prompt").send_keys(*keys, Keys.ENTER)

    def answers(self) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, ".turn.assistant")

    def last_answer(self) -> WebElement:
        return self.answers()[-1]

    def answer_text(self) -> str:
        return self.last_answer().find_element(By.CLASS_NAME, "text").text

    def wait_idle(self) -> None:
        self.until(lambda _: self.field("send").is_enabled(), "the request never ended")

    def wait_for_line(self, class_name: str) -> str:
        """The text of the last answer's ``meta`` / ``error`` / ``stopped`` line, once it is there."""
        return self.until(lambda _: _line(self.last_answer(), class_name), f"no .{class_name} line appeared").text


def _line(answer: WebElement, class_name: str) -> WebElement | None:
    found = answer.find_elements(By.CLASS_NAME, class_name)
    return found[0] if found else None


def sent_messages(call) -> list[tuple[str, str]]:
    """(role, text) of every message one ConverseStream call carried."""
    return [(m["role"], "".join(part["text"] for part in m["content"])) for m in call.body["messages"]]


def test_the_first_words_show_before_the_answer_ends_then_the_whole_answer_and_its_figures(page, stand_in):
    # GIVEN a model that pauses after its first two words
    stand_in.script(
        Script(
            text=["Streaming ", "works, ", "word ", "by ", "word."],
            pause_after=2,
            pause_seconds=PAUSE_SECONDS,
            usage=(12, 5),
        )
    )
    page.fill("system", "Answer briefly.")
    page.fill("max-tokens", "300")

    # WHEN a prompt is sent with Enter
    page.ask("Does streaming work?")

    # THEN the first words are on screen while the answer is still being written
    page.until(lambda _: page.answer_text() == "Streaming works, ", "the first words never showed")
    assert not _line(page.last_answer(), "meta") and page.field("stop").is_enabled()
    # AND then the whole answer, with the model, stop reason, token usage and time to first token
    meta = page.wait_for_line("meta")
    assert page.answer_text() == "Streaming works, word by word."
    assert f"{page.settings.model_id} · stop: end_turn · tokens in 12 / out 5 · first token " in meta
    assert meta.endswith(" ms")
    # AND the request carried the system prompt and max_tokens as the page's fields said
    [call] = stand_in.calls
    assert call.body["system"] == [{"text": "Answer briefly."}] and call.body["inferenceConfig"]["maxTokens"] == 300
    assert sent_messages(call) == [("user", "Does streaming work?")]


def test_a_second_turn_sends_both_earlier_turns_and_shift_enter_starts_a_new_line(page, stand_in):
    # GIVEN one finished exchange with the stand-in (its default, labelled answer)
    page.fill("system", "You are the stand-in model.")
    page.ask("What is this page?")
    page.wait_for_line("meta")
    first_answer = page.answer_text()

    # WHEN a second message of two lines is sent (Shift+Enter is a new line, Enter sends)
    page.ask("And streaming?", Keys.SHIFT, Keys.ENTER, Keys.NULL, "Show me.")
    page.wait_for_line("meta")

    # THEN the second call carried the first question, its answer, and the new message
    _first, second = stand_in.wait_for_calls(2)
    assert sent_messages(second) == [
        ("user", "What is this page?"),
        ("assistant", first_answer),
        ("user", "And streaming?\nShow me."),
    ]
    assert len(page.answers()) == 2
    # The README's picture: the page as `make serve --offline` shows it.
    for path in (SCREENSHOT, README_SCREENSHOT) if os.environ.get("UPDATE_SCREENSHOT") == "1" else (SCREENSHOT,):
        path.parent.mkdir(exist_ok=True)
        assert page.driver.save_screenshot(str(path)), f"the screenshot {path} was not written"
    assert SCREENSHOT.stat().st_size > 10_000  # a real picture, not an empty canvas


def test_stop_ends_the_request_and_the_page_stays_usable(page, stand_in):
    # GIVEN an answer that stalls after its first word
    stand_in.script(Script(text=["Stalling ", "forever."], pause_after=1, pause_seconds=30))
    page.ask("Take your time.")
    page.until(lambda _: page.answer_text() == "Stalling ", "the first word never showed")

    # WHEN Stop is pressed
    page.field("stop").click()

    # THEN the request ends: the page says so, and the server hung up on the model
    assert "Stopped" in page.wait_for_line("stopped")
    page.wait_idle()
    assert stand_in.wait_for_disconnect(timeout=WAIT_SECONDS).disconnected
    # AND the page answers the next message, without the stopped exchange in the conversation
    page.ask("Are you still there?")
    page.wait_for_line("meta")
    assert sent_messages(stand_in.calls[-1]) == [("user", "Are you still there?")]


def test_markup_in_an_answer_shows_as_text_and_runs_nothing(page, stand_in):
    attack = "<img src=x onerror=\"window.pwned = true; document.title = 'pwned'\">"
    stand_in.script(Script(text=["Look: ", attack, " (that was markup)."]))
    title = page.driver.title
    page.ask("Say something tricky.")
    page.wait_for_line("meta")

    assert page.answer_text() == f"Look: {attack} (that was markup)."
    assert page.driver.find_elements(By.TAG_NAME, "img") == []
    assert page.driver.execute_script("return window.pwned") is None and page.driver.title == title


def test_a_refused_request_shows_its_status_code_and_message(page, stand_in):
    # GIVEN max_tokens above the cap: the app refuses it with a 400, before any model call
    page.fill("max-tokens", "999999")
    page.ask("Hello?")

    page.wait_for_line("error")
    error = page.last_answer().find_element(By.CLASS_NAME, "error")
    assert error.find_element(By.CLASS_NAME, "code").text == "400 invalid_field"
    cap = page.settings.max_tokens_cap
    assert error.find_element(By.CLASS_NAME, "message").text == f"'max_tokens' must be an integer from 1 to {cap}"
    assert stand_in.calls == []
    # AND the page stays usable
    page.wait_idle()
    page.fill("max-tokens", "100")
    page.ask("Hello again?")
    page.wait_for_line("meta")


def test_markup_in_an_error_message_shows_as_text(page, stand_in):
    # GIVEN Bedrock refuses the input with a message holding markup, which the app passes on
    markup = '<img src=x onerror="window.pwned = true"> <b>is too long</b>'
    stand_in.script(Script(fail_before=(400, "ValidationException", markup)))
    page.ask("Hello?")

    page.wait_for_line("error")
    error = page.last_answer().find_element(By.CLASS_NAME, "error")
    assert error.find_element(By.CLASS_NAME, "code").text == "400 input_rejected"
    assert error.find_element(By.CLASS_NAME, "message").text == f"the model rejected the input: {markup}"
    assert page.driver.find_elements(By.CSS_SELECTOR, "img, b") == []
    assert page.driver.execute_script("return window.pwned") is None
