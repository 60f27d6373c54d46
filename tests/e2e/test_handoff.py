"""A survivor reaches a person, in two real browsers against the real stack (gateway + Rasa + actions):
the survivor's widget and a support worker's console. Asking → queue → take → chat both ways → hand
back → the assistant answers again, and the tracker holds the one transcript. A staff message sent while
the survivor's page is changing is shown when the chat comes back, once."""

import os
import subprocess
import sys
from typing import Any, Iterator

import pytest

from bot.database.engine import make_engine
from bot.settings import ROOT
from bot.staff.models import staff_accounts
from tests.conftest import record_dialogs
from tests.e2e.conftest import Stack

TIMEOUT_MS = 20_000
USERNAME, DISPLAY_NAME, PASSWORD = "e2e-admin", "Sam", "a long e2e password"


@pytest.fixture
def staff_account(stack: Stack) -> Iterator[str]:
    """An admin made with the CLI, as the charity's IT volunteer would; disabled afterwards, so the
    shared stack goes back to having no staff (other tests expect live chat to be unavailable)."""
    database = f"sqlite:///{stack.db}"
    done = subprocess.run(
        [sys.executable, "-m", "bot.staff", "create-admin", "--username", USERNAME, "--display-name", DISPLAY_NAME,
         "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "HAVEN_DATABASE_URL": database},
    )
    assert done.returncode == 0, done.stderr
    yield USERNAME
    engine = make_engine(database)
    with engine.begin() as connection:
        connection.execute(staff_accounts.update().values(active=False, presence="away"))
    engine.dispose()


def _sign_in(page: Any, stack: Stack) -> None:
    page.goto(stack.gateway_url + "/staff")
    page.get_by_label("Username", exact=True).fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Your status").select_option("available")
    page.get_by_text("Waiting (0)").wait_for(timeout=TIMEOUT_MS)


def _survivor_says(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")


def _survivor_sees(page: Any, text: str) -> None:
    page.get_by_role("log").get_by_text(text, exact=False).first.wait_for(timeout=TIMEOUT_MS)


def test_a_survivor_reaches_a_person_and_comes_back_to_the_assistant(browser: Any, stack: Stack,
                                                                     staff_account: str) -> None:
    staff_context, survivor_context = browser.new_context(), browser.new_context()
    staff, survivor = staff_context.new_page(), survivor_context.new_page()
    staff_dialogs, survivor_dialogs = record_dialogs(staff), record_dialogs(survivor)
    _sign_in(staff, stack)

    survivor.goto(stack.gateway_url)
    survivor.get_by_role("button", name="Chat with us").click()
    _survivor_says(survivor, "i want to talk to a person")
    _survivor_sees(survivor, "A support worker will join this chat")
    survivor.get_by_role("status").get_by_text("You're next in the queue").wait_for(timeout=TIMEOUT_MS)
    survivor.get_by_role("button", name="Cancel and go back to the assistant").wait_for()

    staff.get_by_role("button", name="Take conversation").first.click(timeout=TIMEOUT_MS)
    _survivor_sees(survivor, f"You're now chatting with a support worker, {DISPLAY_NAME}")
    staff.get_by_role("log", name="Transcript").get_by_text("i want to talk to a person").wait_for(timeout=TIMEOUT_MS)

    reply = staff.get_by_role("textbox", name="Message to the survivor")
    reply.fill("Hello, I'm Sam. <b>I'm here</b> to listen.")
    reply.press("Enter")
    _survivor_sees(survivor, "Hello, I'm Sam. <b>I'm here</b> to listen.")
    assert survivor.locator(".haven-msg--s b").count() == 0, "staff text is shown as text, never as HTML"
    assert survivor.locator(".haven-msg--s .haven-name").first.inner_text() == DISPLAY_NAME

    # The survivor moves to another page just as Sam writes: the message is there when the chat comes back.
    survivor.goto("about:blank")
    reply.fill("Are you somewhere safe right now?")
    reply.press("Enter")
    staff.get_by_role("log", name="Transcript").get_by_text("Are you somewhere safe right now?").wait_for(
        timeout=TIMEOUT_MS)
    survivor.goto(stack.gateway_url)
    _survivor_sees(survivor, "Are you somewhere safe right now?")
    survivor.get_by_role("textbox", name="Your message").wait_for(timeout=TIMEOUT_MS)
    staff_lines = survivor.locator(".haven-msg--s").all_inner_texts()
    assert len(staff_lines) == 2 and "somewhere safe" in staff_lines[1], "each staff message once, in order"

    _survivor_says(survivor, "thank you, I'm scared he'll find out")
    staff.get_by_role("log", name="Transcript").get_by_text("I'm scared he'll find out").wait_for(timeout=TIMEOUT_MS)

    staff.get_by_role("button", name="Hand back to the assistant").click()
    _survivor_sees(survivor, "You're back with the automated assistant")
    _survivor_sees(survivor, "I'm Haven's automated assistant, not a person")
    _survivor_says(survivor, "my partner is a police officer, who can i report him to")
    _survivor_sees(survivor, "0800 085 0000")

    conversation = survivor.evaluate("sessionStorage.getItem('haven.conversation')").strip('"')
    events = stack.tracker(conversation)["events"]
    kinds = [event["event"] for event in events]
    assert "pause" in kinds and "resume" in kinds
    staff_said = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")]
    assert [e["metadata"]["staff"]["display_name"] for e in staff_said] == [DISPLAY_NAME, DISPLAY_NAME]
    assert USERNAME not in str(staff_said)
    assert any(e["event"] == "user" and "scared" in (e.get("text") or "") for e in events)
    assert staff_dialogs == survivor_dialogs == [], "no script ran from a message"
    assert survivor_context.cookies() == [], "the survivor's browser never gets a cookie"
    staff.get_by_label("Your status").select_option("away")
    staff_context.close()
    survivor_context.close()

