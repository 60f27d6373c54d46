"""The safety plan summary shows what the survivor chose to say, then forgets it."""

from rasa_sdk.executor import CollectingDispatcher

from actions.safety_plan import (
    MAX_ANSWER_CHARS,
    PLAN_STEPS,
    SKIPPED,
    ActionForgetSafetyPlan,
    ActionSafetyPlanSummary,
    ValidateSafetyPlanForm,
    plan_summary,
    question_answer,
)
from tests.actions.conftest import make_tracker

ALL_SLOTS = [slot for slot, _ in PLAN_STEPS]


def test_summary_lists_answers_and_leaves_out_skipped_questions() -> None:
    summary = plan_summary({"plan_safe_place": "my sister's flat", "plan_code_word": SKIPPED})
    assert "Safe places: my sister's flat" in summary
    assert "Code word" not in summary
    assert "0808 2000 247" in summary and "999" in summary


def test_summary_when_everything_was_skipped_is_kind_and_still_gives_numbers() -> None:
    summary = plan_summary({slot: SKIPPED for slot in ALL_SLOTS})
    assert summary.startswith("You skipped every question, and that's fine.")
    assert "0808 2000 247" in summary


def test_an_oversized_answer_is_shortened_in_the_summary() -> None:
    summary = plan_summary({"plan_leaving": "when he is at work " * 400})
    line = next(line for line in summary.splitlines() if line.startswith("• Leaving safely"))
    assert len(line) < MAX_ANSWER_CHARS + 40
    assert line.endswith("…")


async def test_summary_action_shows_the_plan_then_clears_every_answer(
    dispatcher: CollectingDispatcher,
) -> None:
    tracker = make_tracker(slots={"plan_safe_place": "the neighbours", "plan_numbers": "mum"})
    events = await ActionSafetyPlanSummary().run(dispatcher, tracker, {})
    assert "the neighbours" in dispatcher.messages[0]["text"]
    assert {event["name"] for event in events} == set(ALL_SLOTS)
    assert all(event["value"] is None for event in events)


async def test_stopping_forgets_the_plan_and_says_nothing_itself(dispatcher: CollectingDispatcher) -> None:
    events = await ActionForgetSafetyPlan().run(dispatcher, make_tracker(), {})
    assert dispatcher.messages == []
    assert [event["name"] for event in events] == ALL_SLOTS


def _asked(text: str, intent: str, confidence: float, utter_action: str = "utter_chat_info/is_private") -> dict:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "response_selector": {"default": {"response": {"utter_action": utter_action}}},
    }


def test_a_question_worded_as_one_is_answered() -> None:
    assert question_answer(_asked("is this chat private", "chat_info", 0.95)) == "utter_chat_info/is_private"
    assert question_answer(_asked("can he see this?", "chat_info", 0.9)) == "utter_chat_info/is_private"


def test_an_answer_that_looks_like_a_topic_is_still_an_answer() -> None:
    assert question_answer(_asked("when he goes to the pub", "recognise", 0.97)) is None
    assert question_answer(_asked("passport in my locker at work", "specialist", 0.81)) is None


def test_an_unsure_question_is_kept_as_an_answer() -> None:
    assert question_answer(_asked("is the bathroom ok", "chat_info", 0.5)) is None


async def _validate(latest: dict) -> tuple:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=latest["text"], intent=latest["intent"]["name"])
    tracker.latest_message = latest
    tracker.events.append({"event": "slot", "name": "plan_safe_place", "value": latest["text"]})
    tracker.slots["plan_safe_place"] = latest["text"]
    events = await ValidateSafetyPlanForm().get_validation_events(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_validation_keeps_the_answer() -> None:
    messages, events = await _validate(_asked("when he goes to the pub", "recognise", 0.97))
    assert messages == []
    assert events == [
        {"event": "slot", "timestamp": None, "name": "plan_safe_place", "value": "when he goes to the pub"}
    ]


async def test_validation_answers_a_question_and_asks_the_step_again() -> None:
    messages, events = await _validate(_asked("is this chat private?", "chat_info", 0.95))
    assert messages[0]["response"] == "utter_chat_info/is_private"
    assert events == [{"event": "slot", "timestamp": None, "name": "plan_safe_place", "value": None}]
