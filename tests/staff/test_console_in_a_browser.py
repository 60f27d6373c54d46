"""The console in a real browser says *why* a survivor is urgent: "Thoughts of self-harm" or "Danger", on the
queue entry, the conversation held and each message, never for someone else's threat. Admins reset a
colleague's password there, and everyone changes their own."""

import time
import uuid
from typing import Any

from bot.handoff import queue
from bot.handoff.models import CANCELLED, OPEN_STATES, handoffs
from bot.risk import Risk
from bot.staff import accounts
from bot.staff.references import reference
from tests.conftest import record_dialogs
from tests.gateway.chat.conftest import EVENTS
from tests.staff.conftest import PASSWORD, Console

TIMEOUT_MS = 15_000


def _say(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")


def _stored_as(conversation: str, text: str, intent: str) -> None:
    """Gives a logged message the parse data Rasa's NLU stores with it (the fake Rasa has no NLU)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        for event in EVENTS.get(conversation, []):
            if event["event"] == "user" and event["text"] == text:
                event["parse_data"] = {"intent": {"name": intent}}
                return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never reached the tracker")


def test_staff_see_why_a_conversation_and_a_message_are_urgent(browser: Any, console: Console) -> None:
    with console.engine.begin() as connection:
        connection.execute(handoffs.update().where(handoffs.c.state.in_(OPEN_STATES)).values(state=CANCELLED))
    staff, survivor = browser.new_context().new_page(), browser.new_context().new_page()
    dialogs = record_dialogs(staff)
    staff.goto(console.url + "/staff")
    staff.get_by_label("Username", exact=True).fill("bob")
    staff.get_by_label("Password", exact=True).fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_text("Waiting (0)").wait_for(timeout=TIMEOUT_MS)

    survivor.goto(console.url)
    survivor.get_by_role("button", name="Chat with us").click()
    _say(survivor, "hello")
    survivor.get_by_role("log").get_by_text("echo: hello").wait_for(timeout=TIMEOUT_MS)
    conversation = survivor.evaluate("sessionStorage.getItem('haven.conversation')").strip('"')
    preview = f"preview {uuid.uuid4().hex[:8]}"
    queue.request(console.engine, conversation, Risk.NONE, preview)
    _say(survivor, "handoff please")
    entry = staff.get_by_role("list", name="Waiting survivors").locator("li", has_text=preview)
    entry.wait_for(timeout=TIMEOUT_MS)
    assert entry.locator(".badge").count() == 0, "nothing urgent yet"

    _say(survivor, "i want to end it all")
    survivor.get_by_role("log").get_by_text("I'm really glad you told me.").wait_for(timeout=TIMEOUT_MS)
    entry.get_by_text("Thoughts of self-harm").wait_for(timeout=TIMEOUT_MS)
    assert entry.locator(".badge").all_inner_texts() == ["Thoughts of self-harm"]

    _stored_as(conversation, "i want to end it all", "self_harm")
    entry.get_by_role("button").click()
    transcript = staff.get_by_role("log", name="Transcript")
    opened = transcript.locator("li", has_text="i want to end it all")
    opened.wait_for(timeout=TIMEOUT_MS)
    assert opened.locator(".badge").all_inner_texts() == ["Thoughts of self-harm"]
    assert transcript.locator("li", has_text="handoff please").locator(".badge").count() == 0

    _say(survivor, "he says he'll kill himself if i leave")
    threat = transcript.locator("li", has_text="kill himself if i leave")
    threat.wait_for(timeout=TIMEOUT_MS)
    assert threat.locator(".badge").count() == 0, "the abuser's threat is not the survivor's own risk"

    _say(survivor, "hes outside and hes got a knife")
    danger = transcript.locator("li", has_text="got a knife")
    danger.wait_for(timeout=TIMEOUT_MS)
    assert danger.locator(".badge").all_inner_texts() == ["Danger"]
    held = staff.get_by_role("list", name="Your conversations").locator("li", has_text=reference(conversation))
    held.get_by_text("Danger").wait_for(timeout=TIMEOUT_MS)
    assert dialogs == []
    staff.get_by_label("Your status").select_option("away")


def _sign_in(page: Any, console: Console, username: str, password: str) -> None:
    page.goto(console.url + "/staff")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for(timeout=TIMEOUT_MS)


def test_an_admin_resets_a_password_and_its_owner_changes_it_in_the_console(browser: Any, console: Console) -> None:
    accounts.create(console.engine, "pia", "Pia", "support_worker", PASSWORD)
    admin, owner = browser.new_context().new_page(), browser.new_context().new_page()
    dialogs = [record_dialogs(admin), record_dialogs(owner)]
    _sign_in(owner, console, "pia", PASSWORD)

    _sign_in(admin, console, "dee", PASSWORD)
    admin.get_by_label("Account to reset").select_option(label="pia (Pia)")
    admin.get_by_label("Their new password").fill("password1234")
    admin.get_by_role("button", name="Set new password").click()
    admin.get_by_text("one of the most common ones").wait_for(timeout=TIMEOUT_MS)
    admin.get_by_label("Their new password").fill("kettle tulip orbit")
    admin.get_by_role("button", name="Set new password").click()
    admin.get_by_text("Password reset, and they have been signed out.").wait_for(timeout=TIMEOUT_MS)

    owner.get_by_label("Your status").select_option("available")
    owner.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)  # signed out by the reset
    _sign_in(owner, console, "pia", "kettle tulip orbit")
    owner.get_by_label("Current password").fill("kettle tulip orbit")
    owner.get_by_label("New password (12 characters or more, not a common one)").fill("lantern moss quiver")
    owner.get_by_role("button", name="Change your password").click()
    owner.get_by_text("Your password has been changed.").wait_for(timeout=TIMEOUT_MS)
    assert dialogs == [[], []]
    assert accounts.authenticate(console.engine, "pia", "lantern moss quiver").account is not None
