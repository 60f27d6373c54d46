"""The widget in a real browser when the assistant misbehaves: hostile bot text, Rasa gone."""

import time
from typing import Any, Tuple

from tests.conftest import record_dialogs
from tests.gateway.chat.conftest import SLOW_S, FakeRasa

HELPLINE = "0808 2000 247"


def _chat(browser: Any, base_url: str) -> Any:
    page = browser.new_context().new_page()
    page.dialogs = record_dialogs(page)
    page.goto(base_url)
    page.get_by_role("button", name="Chat with us").click()
    return page


def _send(page: Any, text: str) -> float:
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")
    return time.monotonic()


def test_hostile_assistant_text_renders_inertly(browser: Any, gateway: str) -> None:
    page = _chat(browser, gateway)
    attack = '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>'
    _send(page, attack)
    page.get_by_role("log").get_by_text("echo: " + attack).wait_for(timeout=10_000)
    assert page.get_by_role("log").locator("img, script, a[href^='javascript']").count() == 0
    assert page.dialogs == []


def test_links_in_assistant_text_open_safely(browser: Any, gateway: str) -> None:
    page = _chat(browser, gateway)
    _send(page, "see https://example.org/help")
    link = page.get_by_role("log").get_by_role("link", name="https://example.org/help")
    link.wait_for(timeout=10_000)
    assert set((link.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer"}


def test_slow_assistant_still_gives_the_helpline_within_3_seconds(browser: Any, gateway: str) -> None:
    page = _chat(browser, gateway)
    sent = _send(page, "slow please")
    page.get_by_role("log").get_by_text(HELPLINE).first.wait_for(timeout=3_500)
    assert time.monotonic() - sent < 3.5
    page.get_by_role("log").get_by_text("echo: slow please").wait_for(timeout=(SLOW_S + 5) * 1000)


def test_rasa_gone_still_gives_the_helpline_within_3_seconds(browser: Any, gateway_without_rasa: str) -> None:
    page = _chat(browser, gateway_without_rasa)
    sent = _send(page, "is anyone there")
    page.get_by_role("log").get_by_text(HELPLINE).first.wait_for(timeout=3_500)
    assert time.monotonic() - sent < 3.5


def test_a_too_long_message_is_refused_kindly_and_kept(browser: Any, gateway: str) -> None:
    page = _chat(browser, gateway)
    frames = page.evaluate(
        """() => new Promise(resolve => {
            const ws = new WebSocket(location.origin.replace('http', 'ws') + '/chat/socket');
            const got = [];
            ws.onopen = () => {
                ws.send('{not json');
                ws.send(JSON.stringify({type: 'message', text: 'x'.repeat(2001)}));
            };
            ws.onmessage = event => {
                got.push(JSON.parse(event.data));
                if (got.length === 2) { ws.close(); resolve(got); }
            };
        })"""
    )
    assert [frame["code"] for frame in frames] == ["bad_message", "too_long"]
    assert all(frame["text"].startswith("Sorry") for frame in frames)


def test_rasa_stopped_mid_conversation_still_gives_the_helpline_within_3_seconds(
    browser: Any, gateway_with_own_rasa: Tuple[str, FakeRasa]
) -> None:
    base_url, rasa = gateway_with_own_rasa
    page = _chat(browser, base_url)
    _send(page, "first question")
    page.get_by_role("log").get_by_text("echo: first question").wait_for(timeout=10_000)
    rasa.stop()
    sent = _send(page, "are you still there")
    page.get_by_role("log").get_by_text(HELPLINE).first.wait_for(timeout=3_500)
    assert time.monotonic() - sent < 3.5
