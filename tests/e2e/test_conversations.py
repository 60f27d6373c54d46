"""Whole conversations through Rasa's REST channel, with the real action server and SQLite store."""

import sqlite3

import requests

from actions.safety_plan import PLAN_STEPS
from tools.bench.stack import Stack

PLAN_SLOTS = [slot for slot, _ in PLAN_STEPS]


def test_first_message_is_answered_directly(stack: Stack, sender: str) -> None:
    replies = stack.texts(sender, "my partner is a police officer, who can i report him to")
    assert "0800 085 0000" in replies[0]


def test_danger_gets_the_emergency_wording_first(stack: Stack, sender: str, emergency_text: str) -> None:
    replies = stack.texts(sender, "pls help hes kicking the door in")
    assert replies[0] == emergency_text
    assert "0808 2000 247" in replies[1]


def test_yes_after_danger_asks_for_a_person_honestly(stack: Stack, sender: str) -> None:
    stack.say(sender, "he is outside")
    replies = stack.texts(sender, "/affirm")
    assert "isn't available in this chat yet" in replies[0]
    assert "0808 2000 247" in replies[0]


def test_local_help_keeps_only_the_postcode_district(stack: Stack, sender: str) -> None:
    replies = "\n".join(stack.texts(sender, "is there a refuge near SE15 4AB"))
    assert "South London Refuge (example)" in replies  # seeded by scripts/run on a fresh database
    assert "0808 2000 247" in replies
    assert "4AB" not in replies.upper()
    assert stack.tracker(sender)["slots"]["location"] == "SE15"


def test_show_more_pages_through_the_directory(stack: Stack, sender: str) -> None:
    first = stack.say(sender, "who can help in croydon")
    assert first[-1]["buttons"] == [{"title": "Show more", "payload": "/show_more"}]
    more = "\n".join(stack.texts(sender, "/show_more"))
    assert more.startswith("More services for Croydon:")
    assert stack.tracker(sender)["slots"]["services_shown"] == 6.0


def test_asked_where_and_rather_not_say_gets_national_services(stack: Stack, sender: str) -> None:
    assert stack.texts(sender, "is there a refuge near me")[0].startswith("Where should I look?")
    replies = "\n".join(stack.texts(sender, "i'd rather not say where i live"))
    assert "(example)" not in replies
    assert "0808 2000 247" in replies
    assert stack.tracker(sender)["slots"]["location"] == "anywhere"


def test_whole_safety_plan_with_skips_ends_in_a_summary_and_forgets_it(stack: Stack, sender: str) -> None:
    first = stack.texts(sender, "help me make a safety plan")
    assert first[0].startswith("Let's make a safety plan")
    answers = ["my sisters house", "my friend jo", "/skip", "passport in my locker at work",
               "/skip", "no kids", "when he is at work", "/skip"]
    replies: list = []
    for answer in answers:
        replies = stack.texts(sender, answer)
    summary = replies[0]
    assert summary.startswith("Here is your safety plan:")
    assert "Safe places: my sisters house" in summary and "Code word" not in summary
    slots = stack.tracker(sender)["slots"]
    assert all(slots[slot] is None for slot in PLAN_SLOTS)


def test_stop_leaves_the_plan_at_once(stack: Stack, sender: str) -> None:
    stack.say(sender, "help me make a safety plan")
    stack.say(sender, "the neighbours")
    replies = stack.texts(sender, "stop")
    assert replies[0].startswith("OK, we've stopped.")
    tracker = stack.tracker(sender)
    assert not tracker["active_loop"]
    assert tracker["slots"]["plan_safe_place"] is None


def test_danger_interrupts_the_plan(stack: Stack, sender: str, emergency_text: str) -> None:
    stack.say(sender, "help me make a safety plan")
    replies = stack.texts(sender, "he's back and he's got a knife")
    assert replies[0] == emergency_text
    assert not stack.tracker(sender)["active_loop"]


def test_asking_for_a_person_mid_plan_is_honoured(stack: Stack, sender: str) -> None:
    stack.say(sender, "help me make a safety plan")
    replies = stack.texts(sender, "i want to talk to a person")
    assert "0808 2000 247" in replies[0]
    assert not stack.tracker(sender)["active_loop"]


def test_a_question_mid_plan_is_answered_and_the_plan_goes_on(stack: Stack, sender: str) -> None:
    stack.say(sender, "help me make a safety plan")
    replies = stack.texts(sender, "is this chat private")
    assert len(replies) == 2
    assert stack.tracker(sender)["active_loop"]["name"] == "safety_plan_form"


def test_rasa_http_api_refuses_requests_without_the_token(stack: Stack, sender: str) -> None:
    response = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=10)
    assert response.status_code == 401


def test_stored_conversation_holds_no_personal_data(stack: Stack, sender: str) -> None:
    stack.texts(sender, "I live at 12 Acacia Road, SE15 4QT, my number is 07700 900123")
    with sqlite3.connect(stack.db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        stored = " ".join(row[0] for row in rows)
    assert stored, "the conversation is stored"
    for personal in ("Acacia", "4QT", "900123"):
        assert personal not in stored
    assert "SE15 [postcode]" in stored


def test_make_run_purged_expired_conversations_at_start(stack: Stack) -> None:
    """scripts/run runs the retention purge at start (and hourly); it logs counts only."""
    assert "Retention purge: " in stack.log.read_text(errors="replace")
