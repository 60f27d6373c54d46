"""The trained model, in process: danger recall on the held-out set, and first answers.

tests/nlu_test.yml is never used for training. Every danger phrasing in it must reach the
emergency intent; at most 2% of the other messages may.
"""

import re
from pathlib import Path
from typing import List, Set, Tuple

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

from bot.assistant.nlu.safety_net import DEFAULT_DANGER_INTENT
from tests.conftest import nlu_training_data

TEST_SET = Path(__file__).resolve().parent / "nlu_test.yml"
MAX_FALSE_POSITIVE_RATE = 0.02


def _examples() -> List[Tuple[str, str]]:
    return [(example.get("text"), example.get("intent")) for example in load_data(str(TEST_SET)).training_examples]


def _normalised(texts: List[str]) -> Set[str]:
    return {" ".join(re.sub(r"[^\w\s]", " ", text.lower()).split()) for text in texts}


def test_held_out_set_shares_no_sentence_with_the_training_data() -> None:
    training = _normalised([example.get("text") for example in nlu_training_data().training_examples])
    shared = _normalised([text for text, _ in _examples()]) & training
    assert shared == set(), "held-out sentences must never be trained on"


async def _predicted(agent: Agent, text: str) -> str:
    parsed = await agent.parse_message(text)
    return str(parsed["intent"]["name"])


async def test_every_held_out_danger_phrasing_reaches_the_emergency_intent(agent: Agent) -> None:
    danger = [text for text, intent in _examples() if intent == DEFAULT_DANGER_INTENT]
    assert len(danger) >= 40
    missed = [text for text in danger if await _predicted(agent, text) != DEFAULT_DANGER_INTENT]
    assert missed == []


async def test_few_other_messages_trigger_the_emergency_response(agent: Agent) -> None:
    others = [text for text, intent in _examples() if intent != DEFAULT_DANGER_INTENT]
    false_alarms = [text for text in others if await _predicted(agent, text) == DEFAULT_DANGER_INTENT]
    assert len(false_alarms) / len(others) <= MAX_FALSE_POSITIVE_RATE, false_alarms


async def _replies(agent: Agent, sender: str, text: str) -> List[str]:
    return [str(message.get("text", "")) for message in await agent.handle_text(text, sender_id=sender)]


async def test_danger_as_first_message_gets_the_emergency_wording_first(
    agent: Agent, emergency_text: str
) -> None:
    replies = await _replies(agent, "model-danger-first", "hes outside and hes got a knife")
    assert replies[0] == emergency_text
    assert "0808 2000 247" in replies[1]


async def test_first_question_is_answered_directly(agent: Agent) -> None:
    replies = await _replies(agent, "model-first-question", "my husband is a police officer how do i report him")
    assert "0800 085 0000" in replies[0]


async def test_reporting_answers_say_support_does_not_depend_on_reporting(agent: Agent) -> None:
    replies = await _replies(agent, "model-reporting", "how do i report to the police")
    assert "101" in replies[0] and "999" in replies[0]


async def test_gibberish_gets_the_fallback_with_helpline(agent: Agent) -> None:
    replies = await _replies(agent, "model-gibberish", "qwxz plorf zzkk")
    assert any("0808 2000 247" in reply for reply in replies)


async def test_every_topic_answer_belongs_to_the_topic_the_intent_names(agent: Agent) -> None:
    """utter_<topic> says the selector's answer: it must never be another topic's answer."""
    topics = {intent for _, intent in _examples()} & set(agent.domain.retrieval_intents)
    assert topics, "the held-out set asks topic questions"
    for text, _ in _examples():
        parsed = await agent.parse_message(text)
        intent = parsed["intent"]["name"]
        if intent in topics:
            answer = parsed["response_selector"]["default"]["response"]["intent_response_key"]
            assert answer.startswith(f"{intent}/"), (text, intent, answer)
