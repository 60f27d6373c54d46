"""Asking for a person: queued honestly when someone can come, never a false promise when nobody can."""

from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from actions import handoff
from actions.handoff import ActionRequestHandoff
from bot.handoff import queue
from bot.hours import UK_TIME
from bot.risk import Risk
from bot.staff import accounts
from tests.actions.conftest import make_tracker
from tests.handoff.conftest import db, migrated_engine, worker  # noqa: F401 (both databases)

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture
def staffed(db: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:  # noqa: F811
    """The action's database, with one support worker available right now."""
    monkeypatch.setattr(handoff, "default_engine", lambda: db)
    monkeypatch.delenv("HAVEN_STAFF_HOURS", raising=False)
    accounts.set_presence(db, worker(db, "ash").id, "available")
    yield db


def _conversation(*turns: Dict[str, Any]) -> Any:
    tracker = make_tracker(text="can i talk to a person", intent="request_human")
    tracker.events = [*turns, *tracker.events]
    return tracker


def _user(text: str, intent: str) -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


async def _run(tracker: Any) -> tuple:
    dispatcher = CollectingDispatcher()
    events: List[Dict[str, Any]] = await ActionRequestHandoff().run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_someone_available_queues_the_survivor_pauses_the_bot_and_says_where_they_are(staffed: Engine) -> None:
    tracker = _conversation(_user("he took my phone, my number is 07700 900123", "recognise_abuse"))
    messages, events = await _run(tracker)
    assert events == [{"event": "pause", "timestamp": None}]
    assert "You're next in the queue" in messages[0]["text"] and "999" in messages[0]["text"]
    assert messages[1]["custom"] == {"handoff": "queued", "position": 1}
    waiting = queue.waiting(staffed)
    assert [h.conversation for h in waiting] == [tracker.sender_id]
    assert waiting[0].risk is Risk.NONE
    assert "900123" not in waiting[0].preview and "took my phone" in waiting[0].preview


@pytest.mark.parametrize(
    "text, intent, risk",
    [
        ("hes outside with a knife", "immediate_danger", Risk.DANGER),
        ("i want to end it all", "self_harm", Risk.SELF_HARM),
    ],
)
async def test_a_risk_to_life_earlier_in_the_conversation_puts_them_first_and_says_why(
    staffed: Engine, text: str, intent: str, risk: Risk
) -> None:
    queue.request(staffed, "a" * 32, Risk.NONE, "")
    messages, _ = await _run(_conversation(_user(text, intent)))
    assert "next in the queue" in messages[0]["text"]
    assert queue.waiting(staffed)[0].risk is risk


def test_danger_and_self_harm_in_one_conversation_show_as_danger_and_his_threat_as_nothing() -> None:
    both = _conversation(_user("i want to end it all", "self_harm"),
                         _user("hes outside with a knife", "immediate_danger"))
    his_threat = _conversation(_user("he says hell kill himself if i leave", "recognise_abuse"))
    assert handoff.risk_to_life(both) is Risk.DANGER
    assert handoff.risk_to_life(his_threat) is Risk.NONE


async def test_nobody_available_says_so_with_the_hours_and_the_24_hour_helpline(
    staffed: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tomorrow = DAYS[(datetime.now(timezone.utc).astimezone(UK_TIME).weekday() + 1) % 7]
    monkeypatch.setenv("HAVEN_STAFF_HOURS", f"{tomorrow} 09:00-10:00")
    messages, events = await _run(_conversation())
    assert events == [] and queue.waiting(staffed) == []
    text = messages[0]["text"]
    assert "no support worker free" in text and f"{tomorrow} 9am–10am" in text
    assert "0808 2000 247" in text and "999" in text


async def test_a_deployment_without_staff_says_live_chat_is_not_available(db: Engine,  # noqa: F811
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handoff, "default_engine", lambda: db)
    messages, events = await _run(_conversation())
    assert events == [] and messages[0]["response"] == "utter_handoff_unavailable"


async def test_a_database_failure_still_answers_honestly(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> Engine:
        raise OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(handoff, "default_engine", unreachable)
    messages, events = await _run(_conversation())
    assert events == [] and messages[0]["response"] == "utter_handoff_unavailable"
