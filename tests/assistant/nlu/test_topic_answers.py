"""The topic selector: the answer said is always one of the topic's answers the intent classifier chose."""

from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from bot.assistant.nlu.topic_answers import SHOWN_RANKING, TopicResponseSelector

RESPONSES = {
    "utter_chat_info/who_reads": [{"text": "Only the charity's support staff can read a conversation."}],
    "utter_clares_law/ask_for_myself": [{"text": "Clare's Law lets you ask the police."}],
}


@pytest.fixture
def selector(tmp_path: Path) -> TopicResponseSelector:
    """An untrained selector: only its choice between ranked answers is under test here."""
    selector = TopicResponseSelector.create(
        TopicResponseSelector.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("topic_answers"),
        ExecutionContext(GraphSchema({}), "topic_answers"),
    )
    selector.responses = RESPONSES
    return selector


def _ranked(*keys: str) -> List[Dict[str, Any]]:
    return [
        {"id": index, "confidence": 0.5 - index / 100, "intent_response_key": key} for index, key in enumerate(keys)
    ]


def _message(intent: str, ranking: List[Dict[str, Any]]) -> Message:
    top = ranking[0]["intent_response_key"]
    selected = {
        "response": {"responses": [], "confidence": ranking[0]["confidence"], "intent_response_key": top,
                     "utter_action": f"utter_{top}"},
        "ranking": ranking,
    }
    return Message(data={INTENT: {"name": intent, "confidence": 0.9},
                         RESPONSE_SELECTOR_PROPERTY_NAME: {"default": selected}})


def _chosen(message: Message) -> Dict[str, Any]:
    return dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME)["default"]["response"])


def test_an_answer_from_another_topic_gives_way_to_the_best_one_in_the_predicted_topic(
    selector: TopicResponseSelector,
) -> None:
    message = _message("chat_info", _ranked("clares_law/ask_for_myself", "chat_info/who_reads"))
    selector.keep_to_topic(message)
    assert _chosen(message) == {
        "responses": RESPONSES["utter_chat_info/who_reads"],
        "confidence": 0.49,
        "intent_response_key": "chat_info/who_reads",
        "utter_action": "utter_chat_info/who_reads",
    }


def test_an_answer_already_in_the_topic_is_kept(selector: TopicResponseSelector) -> None:
    message = _message("clares_law", _ranked("clares_law/ask_for_myself", "chat_info/who_reads"))
    selector.keep_to_topic(message)
    assert _chosen(message)["utter_action"] == "utter_clares_law/ask_for_myself"


def test_an_intent_that_is_not_a_topic_leaves_the_selection_alone(selector: TopicResponseSelector) -> None:
    message = _message("find_services", _ranked("clares_law/ask_for_myself", "chat_info/who_reads"))
    selector.keep_to_topic(message)
    assert _chosen(message)["intent_response_key"] == "clares_law/ask_for_myself"


def test_every_answer_is_ranked_but_only_a_few_are_kept_in_the_parse_data(selector: TopicResponseSelector) -> None:
    assert selector.component_config["ranking_length"] == 0
    ranking = _ranked(*[f"chat_info/answer_{n}" for n in range(40)])
    message = _message("chat_info", ranking)
    selector.keep_to_topic(message)
    assert len(message.get(RESPONSE_SELECTOR_PROPERTY_NAME)["default"]["ranking"]) == SHOWN_RANKING


def test_a_message_without_a_selection_is_left_alone(selector: TopicResponseSelector) -> None:
    message = Message(data={INTENT: {"name": "greet", "confidence": 0.9}})
    selector.keep_to_topic(message)
    assert message.get(RESPONSE_SELECTOR_PROPERTY_NAME) is None
