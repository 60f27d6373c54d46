"""The survivor's side in a real browser, against the real stack (gateway + Rasa + actions).

Everything is found by role and accessible name, as a screen-reader user would find it.
"""

import re
import time
from typing import Any, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe

from bot.settings import ROOT
from tests.conftest import record_dialogs
from tools.bench.stack import Stack

SCREENSHOTS = ROOT / "var" / "screenshots"
REPLY_TIMEOUT_MS = 20_000


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.dialogs = record_dialogs(page)
    page.goto(stack.gateway_url)
    yield page
    assert context.cookies() == [], "the widget and the gateway must never set a cookie"
    context.close()


def _open_chat(page: Any) -> None:
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_role("textbox", name="Your message").wait_for()


def _say(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")


def _log(page: Any) -> Any:
    return page.get_by_role("log")


def _wait_for_reply(page: Any, text: str) -> None:
    _log(page).get_by_text(text, exact=False).first.wait_for(timeout=REPLY_TIMEOUT_MS)


def _haven_storage(page: Any) -> list:
    return page.evaluate("Object.keys(sessionStorage).filter(key => key.startsWith('haven.'))")


def test_a_question_on_the_demo_page_gets_its_answer(page: Any) -> None:
    assert "abuse" not in page.title().lower()
    _open_chat(page)
    _say(page, "my partner is a police officer, who can i report him to")
    _wait_for_reply(page, "0800 085 0000")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-desktop.png"))


def test_danger_gets_the_emergency_guidance(page: Any) -> None:
    _open_chat(page)
    _say(page, "hes outside and hes got a knife")
    _wait_for_reply(page, "If you are in danger now, call 999.")
    _wait_for_reply(page, "text REGISTER to 999")


def test_buttons_from_the_assistant_work(page: Any) -> None:
    _open_chat(page)
    _say(page, "hello")
    page.get_by_role("button", name="Make a safety plan").first.click(timeout=REPLY_TIMEOUT_MS)
    _wait_for_reply(page, "Let's make a safety plan")


def test_the_chat_survives_moving_to_another_page_in_the_same_tab(page: Any, stack: Stack) -> None:
    _open_chat(page)
    _say(page, "is this chat private")
    _wait_for_reply(page, "privacy notice")
    page.goto(stack.gateway_url + "/?page=2")
    _wait_for_reply(page, "privacy notice")


def _assert_left_without_trace(page: Any, stack: Stack, neutral_site: str) -> None:
    page.wait_for_url(neutral_site, timeout=5000)
    page.go_back()
    assert not page.url.startswith(stack.gateway_url), "Back must not return to the chat"
    page.goto(stack.gateway_url)
    assert _haven_storage(page) == []
    assert _log(page).count() == 0 or "police" not in _log(page).inner_text()


def test_quick_exit_button_leaves_no_way_back(browser: Any, stack: Stack, neutral_site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.gateway_url)
    _open_chat(page)
    _say(page, "how do i report to the police")
    _wait_for_reply(page, "101")
    assert _haven_storage(page) != []
    conversation = _conversation_id(page)
    assert stack.stored_events(conversation) > 0
    page.get_by_role("button", name="Exit").first.click()
    _assert_left_without_trace(page, stack, neutral_site)
    assert context.cookies() == []
    _wait_until_erased(stack, conversation)
    context.close()


def _conversation_id(page: Any) -> str:
    stored = page.evaluate("sessionStorage.getItem('haven.conversation')")
    match = re.search(r"[0-9a-f]{32}", stored or "")
    assert match, stored
    return match.group(0)


def _wait_until_erased(stack: Stack, conversation: str) -> None:
    """Quick exit erases the conversation (HAVEN_ERASE_ON_EXIT is on by default)."""
    deadline = time.monotonic() + 10
    while stack.stored_events(conversation) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack.stored_events(conversation) == 0


def test_shift_three_times_is_a_quick_exit(browser: Any, stack: Stack, neutral_site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.gateway_url)
    _open_chat(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    _assert_left_without_trace(page, stack, neutral_site)
    context.close()


def test_no_accessibility_violations_open_and_mid_conversation(page: Any) -> None:
    axe = Axe()
    _open_chat(page)
    assert axe.run(page).violations_count == 0, axe.run(page).generate_report()
    _say(page, "hello")
    _wait_for_reply(page, "automated assistant")
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_survivor_text_is_shown_as_text_never_as_html(page: Any) -> None:
    _open_chat(page)
    attack = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    _say(page, attack)
    _log(page).get_by_text(attack, exact=False).first.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert _log(page).locator("img, script").count() == 0
    assert page.dialogs == []


def test_small_screen_and_keyboard_only(browser: Any, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(stack.gateway_url)
    page.keyboard.press("Tab")
    for _ in range(12):
        if page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == "Chat with us":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Your message")
    box.wait_for()
    panel = page.get_by_role("dialog", name="Chat").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
    box.focus()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    _wait_for_reply(page, "automated assistant")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-320px.png"))
    page.keyboard.press("Escape")
    assert re.search("Chat with us", page.evaluate("document.activeElement.textContent"))
    context.close()


def test_the_demo_page_sends_the_security_headers(page: Any, stack: Stack) -> None:
    response = page.request.get(stack.gateway_url)
    headers = response.headers
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "set-cookie" not in headers
    started = time.monotonic()
    assert page.request.get(stack.gateway_url + "/widget/haven-widget.js").ok
    assert time.monotonic() - started < 5


def test_usable_and_accessible_at_200_percent_zoom(browser: Any, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 640, "height": 400})
    page = context.new_page()
    page.goto(stack.gateway_url)
    _open_chat(page)
    _say(page, "hello")
    _wait_for_reply(page, "automated assistant")
    panel = page.get_by_role("dialog", name="Chat").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 640
    assert page.evaluate("document.documentElement.scrollWidth") <= 640, "no sideways scrolling"
    assert page.get_by_role("button", name="Exit").first.is_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


def test_delete_chat_erases_it_from_the_system_and_the_window(page: Any, stack: Stack) -> None:
    _open_chat(page)
    _say(page, "my number is 07700 900123, how do i report to the police")
    _wait_for_reply(page, "101")
    conversation = _conversation_id(page)
    assert stack.stored_events(conversation) > 0
    header_delete = page.get_by_role("button", name="Delete chat").first
    header_delete.click()
    confirm = page.locator(".haven-confirm:visible").get_by_role("button", name="Delete chat")
    assert page.evaluate("document.activeElement.textContent") == "Delete chat", "focus goes to the confirmation"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.keyboard.press("Escape")
    assert confirm.count() == 0, "Escape cancels: nothing traps the survivor"
    assert stack.stored_events(conversation) > 0
    header_delete.click()
    page.locator(".haven-confirm:visible").get_by_role("button", name="Delete chat").click()
    page.get_by_text("This chat has been deleted from the charity's system").wait_for(timeout=REPLY_TIMEOUT_MS)
    assert _log(page).inner_text().strip() == ""
    assert page.evaluate("sessionStorage.getItem('haven.transcript')") is None
    _wait_until_erased(stack, conversation)
    _say(page, "hello")
    _wait_for_reply(page, "automated assistant")
    assert _conversation_id(page) != conversation, "a new message starts a new conversation"

