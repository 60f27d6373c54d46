"""A safety plan reaches the database only as placeholders (bot/privacy/safety_plan.py): the tracker store is
given the events Rasa makes during a plan, with Haven's own domain, and the stored rows are read back.

SQLite always; PostgreSQL (127.0.0.1:5432, db `test`) when it is reachable, and always under CI=true.
The whole form through the real stack is tests/e2e/test_safety_plan_privacy.py.
"""

import json
import uuid
from typing import Any, Dict, List, Sequence

import pytest
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.privacy.safety_plan import PLAN_ANSWER, PLAN_SUMMARY, SAFETY_PLAN_FORM, STORED_AS
from bot.risk import Risk, event_risk
from bot.settings import ROOT
from tests.privacy.conftest import stored_rows

SAFE_PLACE = "the flat above the quokka bakery in Wolverhampton"
CODE_WORD = "marmalade-penguin"
WORDS = ("quokka", "Wolverhampton", "marmalade")
"""What a survivor wrote into her plan: never in a stored row. No names: they are redacted anyway."""


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite_store", "pg_store"], ids=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, domain: Domain) -> RedactingSQLTrackerStore:
    """The redacting store with Haven's domain, as Rasa gives it one when it loads the model."""
    store: RedactingSQLTrackerStore = request.getfixturevalue(request.param)
    store.domain = domain
    return store


def _user(text: str, intent: str, entities: Sequence[Dict[str, Any]] = ()) -> UserUttered:
    """A message as Rasa's NLU parses it."""
    predicted = {"name": intent, "confidence": 0.83}
    parse_data = {
        "text": text,
        "intent": predicted,
        "entities": list(entities),
        "intent_ranking": [predicted, {"name": "chitchat", "confidence": 0.1}],
        "response_selector": {"default": {"response": {"responses": [{"text": text}]}}},
    }
    return UserUttered(text, predicted, list(entities), parse_data)


def _asks(slot: str) -> List[Event]:
    return [SlotSet(REQUESTED_SLOT, slot), BotUttered(f"The question for {slot}."), ActionExecuted("action_listen")]


def _plan_starts() -> List[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        _user("help me make a safety plan", "safety_plan"),
        ActionExecuted("utter_safety_plan_intro"),
        BotUttered("Let's make a safety plan, one step at a time."),
        ActionExecuted(SAFETY_PLAN_FORM),
        ActiveLoop(SAFETY_PLAN_FORM),
        *_asks("plan_safe_place"),
    ]


def _answers(slot: str, text: str, next_slot: str, intent: str = "recognise", **entities: str) -> List[Event]:
    """A turn answering `slot`, as Rasa logs it: the slots taken from the message (the answer, and any slot
    filled from its entities), the form, its validation, and the next question."""
    found = [{"entity": entity, "value": value, "start": 0, "end": len(value)} for entity, value in entities.items()]
    return [
        _user(text, intent, found),
        SlotSet(slot, text),
        *(SlotSet(entity, value) for entity, value in entities.items()),
        ActionExecuted(SAFETY_PLAN_FORM),
        SlotSet(slot, text),
        *_asks(next_slot),
    ]


def _assert_none_of_her_words(rows: List[Dict[str, Any]]) -> None:
    stored = json.dumps(rows)
    assert not [word for word in WORDS if word in stored], "a safety-plan answer reached the database"


async def _saved_in_two_turns(store: RedactingSQLTrackerStore, sender: str, second: List[Event]) -> None:
    """The plan's start and first answer saved, then `second` added to the tracker read back, as Rasa does."""
    await store.save(
        DialogueStateTracker.from_events(
            sender, _plan_starts() + _answers("plan_safe_place", SAFE_PLACE, "plan_trusted_person", who_for="children")
        )
    )
    tracker = await store.retrieve(sender)
    assert tracker is not None
    for event in second:
        tracker.update(event)
    await store.save(tracker)


async def test_every_copy_of_an_answer_is_stored_as_a_placeholder(store: RedactingSQLTrackerStore) -> None:
    sender = uuid.uuid4().hex
    second_answer = _answers("plan_trusted_person", f"{CODE_WORD} near Wolverhampton", "plan_code_word",
                             location="Wolverhampton")
    await _saved_in_two_turns(store, sender, second_answer)
    rows = stored_rows(store, sender)
    _assert_none_of_her_words(rows)
    answers = [row for row in rows if row["event"] == "user"][1:]
    assert [row["text"] for row in answers] == [PLAN_ANSWER, PLAN_ANSWER]
    parse_data = answers[1]["parse_data"]
    assert parse_data["text"] == PLAN_ANSWER
    assert parse_data["entities"] == [{"entity": "location", "value": PLAN_ANSWER}]
    assert parse_data["intent"] == {"name": "recognise", "confidence": 0.83}, "the intent and confidence stay"
    assert "response_selector" not in parse_data
    slots = [(row["name"], row["value"]) for row in rows if row["event"] == "slot" and row["name"] != REQUESTED_SLOT]
    assert slots == [("plan_safe_place", PLAN_ANSWER), ("who_for", PLAN_ANSWER), ("plan_safe_place", PLAN_ANSWER),
                     ("plan_trusted_person", PLAN_ANSWER), ("location", PLAN_ANSWER),
                     ("plan_trusted_person", PLAN_ANSWER)]
    asked = [row["value"] for row in rows if row["event"] == "slot" and row["name"] == REQUESTED_SLOT]
    assert asked == ["plan_safe_place", "plan_trusted_person", "plan_code_word"], "which question stays"


async def test_the_summary_is_stored_as_its_placeholder(store: RedactingSQLTrackerStore) -> None:
    sender = uuid.uuid4().hex
    summary = f"Here is your safety plan:\n• Code word: {CODE_WORD}"
    cleared = "Keep your plan somewhere safe. I've now cleared your answers from this conversation."
    await _saved_in_two_turns(store, sender, [
        _user(CODE_WORD, "chitchat"),
        ActionExecuted(SAFETY_PLAN_FORM),
        ActiveLoop(None),
        SlotSet(REQUESTED_SLOT, None),
        ActionExecuted("action_safety_plan_summary"),
        BotUttered(summary, metadata={STORED_AS: PLAN_SUMMARY}),
        BotUttered(cleared, {"buttons": [{"title": "Find local help", "payload": "/find_services"}]}),
        SlotSet("plan_safe_place", None),
    ])
    rows = stored_rows(store, sender)
    _assert_none_of_her_words(rows)
    bot_texts = [row["text"] for row in rows if row["event"] == "bot"]
    assert bot_texts[-2:] == [PLAN_SUMMARY, cleared]
    assert rows[-1]["event"] == "slot" and rows[-1]["value"] is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("he's back and he's got a knife", "immediate_danger"),
        ("i want to end it all", "self_harm"),
        ("stop", "stop"),
        ("/skip", "skip"),
        ("can i talk to a real person", "request_human"),
    ],
)
async def test_a_message_that_interrupts_the_plan_is_stored_as_ever(
    sqlite_store: RedactingSQLTrackerStore, domain: Domain, text: str, intent: str
) -> None:
    """Not an answer by the form's own rule (the question's `not_intent`): staff see why the plan stopped."""
    sqlite_store.domain = domain
    sender = uuid.uuid4().hex
    await _saved_in_two_turns(sqlite_store, sender, [_user(text, intent)])
    stored = [row for row in stored_rows(sqlite_store, sender) if row["event"] == "user"][-1]
    assert stored["text"] == stored["parse_data"]["text"] == text
    assert event_risk(stored) is {"immediate_danger": Risk.DANGER, "self_harm": Risk.SELF_HARM}.get(intent, Risk.NONE)


async def test_a_question_asked_mid_plan_is_stored_as_a_placeholder(sqlite_store: RedactingSQLTrackerStore,
                                                                   domain: Domain) -> None:
    """Whether it was a question is the action server's judgement, made after the message is logged; an answer
    worded like a question ("can he find me at my mum's?") must not be stored, so none is."""
    sqlite_store.domain = domain
    sender = uuid.uuid4().hex
    question = "can he find me at the quokka bakery?"
    await _saved_in_two_turns(sqlite_store, sender, [
        _user(question, "chat_info"),
        SlotSet("plan_trusted_person", question),
        ActionExecuted(SAFETY_PLAN_FORM),
        BotUttered("This chat is private."),
        SlotSet("plan_trusted_person", None),
        *_asks("plan_trusted_person"),
    ])
    rows = stored_rows(sqlite_store, sender)
    _assert_none_of_her_words(rows)
    assert "This chat is private." in [row["text"] for row in rows if row["event"] == "bot"]


@pytest.mark.parametrize(
    "after",
    [
        [ActionExecuted(SAFETY_PLAN_FORM), ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)],
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
    ],
    ids=["plan-ended", "new-session"],
)
async def test_once_the_plan_is_over_messages_are_stored_as_ever(
    sqlite_store: RedactingSQLTrackerStore, domain: Domain, after: List[Event]
) -> None:
    sqlite_store.domain = domain
    sender = uuid.uuid4().hex
    await _saved_in_two_turns(sqlite_store, sender, [*after, _user("is there a refuge in leeds", "find_services"),
                                                     SlotSet("need", "refuge")])
    rows = stored_rows(sqlite_store, sender)
    assert [row["text"] for row in rows if row["event"] == "user"][-1] == "is there a refuge in leeds"
    assert rows[-1]["value"] == "refuge"


async def test_a_tracker_the_store_did_not_load_is_screened_too(
    sqlite_store: RedactingSQLTrackerStore, domain: Domain
) -> None:
    """Rasa's HTTP API can build a tracker itself (replacing events): its new events are counted, then
    screened with the whole conversation replayed."""
    sqlite_store.domain = domain
    sender = uuid.uuid4().hex
    first = _plan_starts()[2:]  # Rasa counts a session's rows from its SessionStarted, not the action before it
    await sqlite_store.save(DialogueStateTracker.from_events(sender, first))
    answer = _answers("plan_safe_place", SAFE_PLACE, "plan_trusted_person")
    await sqlite_store.save(DialogueStateTracker.from_events(sender, first + answer))
    rows = stored_rows(sqlite_store, sender)
    assert len(rows) == len(first + answer)
    _assert_none_of_her_words(rows)
