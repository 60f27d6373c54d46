"""The safety net component overrides the NLU prediction when a danger or a self-harm rule fires."""

from typing import Any, Dict

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.assistant.nlu.safety_net import (
    DEFAULT_DANGER_INTENT,
    DEFAULT_SELF_HARM_INTENT,
    SAFETY_NET_KEY,
    DangerSafetyNet,
)


def _message(text: str, intent: str, confidence: float) -> Message:
    predicted: Dict[str, Any] = {"name": intent, "confidence": confidence}
    return Message(
        data={
            TEXT: text,
            INTENT: predicted,
            INTENT_RANKING_KEY: [predicted, {"name": DEFAULT_DANGER_INTENT, "confidence": 0.01}],
        }
    )


def _net() -> DangerSafetyNet:
    return DangerSafetyNet(DangerSafetyNet.get_default_config())


def test_overrides_an_unsure_fallback_prediction() -> None:
    [message] = _net().process([_message("hes outside pls", "nlu_fallback", 0.4)])
    assert message.get(INTENT) == {"name": DEFAULT_DANGER_INTENT, "confidence": 1.0}
    assert message.get(SAFETY_NET_KEY) == {"rule": "abuser_present"}


def test_overrides_a_confident_wrong_prediction_and_keeps_one_ranking_entry() -> None:
    [message] = _net().process([_message("he has a knife", "chitchat", 0.97)])
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == DEFAULT_DANGER_INTENT
    assert [entry["name"] for entry in ranking].count(DEFAULT_DANGER_INTENT) == 1
    assert ranking[1]["name"] == "chitchat"


def test_leaves_other_messages_alone() -> None:
    [message] = _net().process([_message("how do i report to the police", "reporting", 0.9)])
    assert message.get(INTENT)["name"] == "reporting"
    assert message.get(SAFETY_NET_KEY) is None


def test_danger_intent_is_configurable() -> None:
    net = DangerSafetyNet({**DangerSafetyNet.get_default_config(), "danger_intent": "emergency"})
    [message] = net.process([_message("help", "greet", 0.9)])
    assert message.get(INTENT)["name"] == "emergency"


def test_safety_net_output_reaches_the_parse_data() -> None:
    [message] = _net().process([_message("he has a knife", "greet", 0.9)])
    parse_data = message.as_dict(only_output_properties=True)
    assert parse_data[INTENT]["name"] == DEFAULT_DANGER_INTENT
    assert parse_data[SAFETY_NET_KEY]["rule"] == "weapon"


def test_wanting_to_end_it_all_is_never_taken_for_stop() -> None:
    [message] = _net().process([_message("i just want to end it all", "stop", 0.96)])
    assert message.get(INTENT) == {"name": DEFAULT_SELF_HARM_INTENT, "confidence": 1.0}
    assert message.get(SAFETY_NET_KEY) == {"rule": "end_my_life"}


def test_danger_comes_before_self_harm() -> None:
    [message] = _net().process([_message("he has a knife and i want to die", "recognise", 0.5)])
    assert message.get(INTENT)["name"] == DEFAULT_DANGER_INTENT
