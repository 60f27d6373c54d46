"""The answers of a plan still being made are held by the action server, never in the conversation's record:
from the next turn on, the tracker's slots hold only placeholders (tests/privacy/test_safety_plan_storage.py),
yet the survivor's summary shows her words; "stop" and the summary let them go.

Held in memory, or in the real Redis (HAVEN_TEST_REDIS_URL) when several action servers share it.
"""

import asyncio
import uuid
from typing import Any, Dict, Iterator

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.safety_plan import (
    NOT_KEPT,
    PLAN_SLOTS,
    ActionForgetSafetyPlan,
    ActionSafetyPlanSummary,
    MemoryPlanAnswers,
    PlanAnswers,
    RedisPlanAnswers,
    ValidateSafetyPlanForm,
    keep_for_s,
    plan_answers,
)
from bot.privacy.safety_plan import PLAN_ANSWER, PLAN_SUMMARY, STORED_AS
from bot.settings import ROOT
from tests.actions.conftest import make_tracker
from tools.bench import free_port

DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(params=["memory", "redis"])
def held(request: pytest.FixtureRequest) -> Iterator[PlanAnswers]:
    if request.param == "memory":
        yield MemoryPlanAnswers()
        return
    url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
    yield RedisPlanAnswers(url, prefix)


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlanAnswers]:
    """The action server's own answers, in its memory (no HAVEN_REDIS_URL), fresh for the test."""
    monkeypatch.delenv("HAVEN_REDIS_URL", raising=False)
    plan_answers.cache_clear()
    yield plan_answers()
    plan_answers.cache_clear()


async def test_answers_are_held_together_and_let_go(held: PlanAnswers) -> None:
    conversation = uuid.uuid4().hex
    await held.keep(conversation, {"plan_code_word": "marmalade-penguin"}, 60)
    await held.keep(conversation, {"plan_safe_place": "Brigid's"}, 60)
    assert await held.recall(conversation) == {"plan_code_word": "marmalade-penguin", "plan_safe_place": "Brigid's"}
    assert await held.recall(uuid.uuid4().hex) == {}
    await held.forget(conversation)
    assert await held.recall(conversation) == {}


async def test_answers_are_let_go_after_the_session_would_have_ended(held: PlanAnswers) -> None:
    conversation = uuid.uuid4().hex
    await held.keep(conversation, {"plan_code_word": "marmalade-penguin"}, 1)
    await asyncio.sleep(1.2)
    assert await held.recall(conversation) == {}


def test_answers_are_held_as_long_as_a_session_lasts() -> None:
    assert keep_for_s(DOMAIN) == DOMAIN["session_config"]["session_expiration_time"] * 60 == 3600
    assert keep_for_s({}) == 3600


async def test_with_redis_down_the_plan_goes_on_with_nothing_held() -> None:
    held = RedisPlanAnswers(f"redis://127.0.0.1:{free_port()}/0")
    await held.keep("conversation", {"plan_code_word": "marmalade-penguin"}, 60)
    assert await held.recall("conversation") == {}
    await held.forget("conversation")


def test_several_action_servers_share_redis(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("HAVEN_REDIS_URL", redis_url)
    plan_answers.cache_clear()
    try:
        assert isinstance(plan_answers(), RedisPlanAnswers)
    finally:
        plan_answers.cache_clear()


def _answering(conversation: str, slot: str, text: str, slots: Dict[str, Any]) -> Tracker:
    """The tracker the form's validation gets: `text` just taken for `slot`, earlier answers as stored."""
    tracker = make_tracker(text=text, intent="recognise", slots={**slots, slot: text})
    tracker.sender_id = conversation
    tracker.events.append({"event": "slot", "name": slot, "value": text})
    return tracker


async def _validate(tracker: Tracker) -> list:
    return await ValidateSafetyPlanForm().get_validation_events(CollectingDispatcher(), tracker, DOMAIN)


async def _summary(conversation: str, slots: Dict[str, Any]) -> tuple:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=slots)
    tracker.sender_id = conversation
    events = await ActionSafetyPlanSummary().run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages, events


async def test_the_summary_shows_her_words_though_the_tracker_holds_placeholders(memory: PlanAnswers) -> None:
    conversation = uuid.uuid4().hex
    await _validate(_answering(conversation, "plan_safe_place", "Brigid's flat", {}))
    await _validate(_answering(conversation, "plan_code_word", "marmalade-penguin", {"plan_safe_place": PLAN_ANSWER}))
    last = "the potting shed"
    messages, events = await _summary(
        conversation, {"plan_safe_place": PLAN_ANSWER, "plan_code_word": PLAN_ANSWER, "plan_emergency_bag": last}
    )
    summary = messages[0]
    assert "Safe places: Brigid's flat" in summary["text"] and "Code word: marmalade-penguin" in summary["text"]
    assert f"Emergency bag and documents: {last}" in summary["text"], "the answer given this turn"
    assert PLAN_ANSWER not in summary["text"]
    assert summary[STORED_AS] == PLAN_SUMMARY, "marked, so the tracker store keeps only the placeholder"
    assert STORED_AS not in messages[1], "the message saying the answers are cleared is stored as it is"
    assert {event["name"]: event["value"] for event in events} == dict.fromkeys(PLAN_SLOTS)
    assert await memory.recall(conversation) == {}, "let go once shown"


async def test_an_answer_lost_meanwhile_is_said_so_never_shown_as_a_placeholder(memory: PlanAnswers) -> None:
    messages, _ = await _summary(uuid.uuid4().hex, {"plan_code_word": PLAN_ANSWER})
    assert f"Code word: {NOT_KEPT}" in messages[0]["text"]
    assert PLAN_ANSWER not in messages[0]["text"]


async def test_a_placeholder_checked_again_when_the_plan_restarts_is_not_held_as_an_answer(
    memory: PlanAnswers,
) -> None:
    """A plan restarted after danger stopped it: Rasa validates the slots already filled, placeholders now."""
    conversation = uuid.uuid4().hex
    await _validate(_answering(conversation, "plan_code_word", "marmalade-penguin", {}))
    events = await _validate(_answering(conversation, "plan_code_word", PLAN_ANSWER, {}))
    assert events == [{"event": "slot", "timestamp": None, "name": "plan_code_word", "value": PLAN_ANSWER}]
    assert await memory.recall(conversation) == {"plan_code_word": "marmalade-penguin"}


async def test_a_question_mid_plan_is_not_held(memory: PlanAnswers) -> None:
    conversation = uuid.uuid4().hex
    tracker = _answering(conversation, "plan_safe_place", "is this chat private?", {})
    tracker.latest_message = {
        "text": "is this chat private?",
        "intent": {"name": "chat_info", "confidence": 0.95},
        "response_selector": {"default": {"response": {"utter_action": "utter_chat_info/is_private"}}},
    }
    assert await _validate(tracker) == [{"event": "slot", "timestamp": None, "name": "plan_safe_place", "value": None}]
    assert await memory.recall(conversation) == {}


async def test_stop_lets_the_answers_go(memory: PlanAnswers) -> None:
    conversation = uuid.uuid4().hex
    await _validate(_answering(conversation, "plan_code_word", "marmalade-penguin", {}))
    tracker = make_tracker(text="stop", intent="stop")
    tracker.sender_id = conversation
    events = await ActionForgetSafetyPlan().run(CollectingDispatcher(), tracker, DOMAIN)
    assert [event["value"] for event in events] == [None] * len(PLAN_SLOTS)
    assert await memory.recall(conversation) == {}

