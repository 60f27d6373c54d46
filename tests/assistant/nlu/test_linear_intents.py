"""The linear intent model blended with DIET: it settles what DIET is unsure of, and never loses an intent."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.assistant.nlu.linear_intents import DIET_WEIGHT_KEY, FEATURIZERS_KEY, LinearIntentBlend

WORDS = "words_tfidf"
VOCABULARY = ["hello", "hiya", "bye", "later", "refuge", "place", "police", "report"]
TRAINING = {
    "greet": ["hello", "hiya", "hello hiya", "hiya hiya", "hello hello", "hiya hello"],
    "goodbye": ["bye", "later", "bye later", "later later", "bye bye", "later bye"],
    "find_services": ["refuge", "place", "refuge place", "place place", "refuge refuge", "place refuge"],
    "reporting": ["police", "report", "police report", "report report", "police police", "report police"],
}
CONFIG = {**LinearIntentBlend.get_default_config(), FEATURIZERS_KEY: [WORDS], DIET_WEIGHT_KEY: 0.5}


def _message(text: str, intent: Optional[str] = None, diet: Optional[Dict[str, float]] = None) -> Message:
    """A message with sentence-level word features and, optionally, DIET's ranking."""
    counts = np.array([[text.split().count(word) for word in VOCABULARY]], dtype=float)
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    message.add_features(Features(scipy.sparse.coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, WORDS))
    if diet:
        ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p} for name, p in diet.items()]
        message.set(INTENT, ranking[0])
        message.set(INTENT_RANKING_KEY, ranking)
    return message


def _storage(tmp_path: Path) -> Dict[str, Any]:
    return {
        "model_storage": LocalModelStorage(tmp_path),
        "resource": Resource("linear_intents"),
        "execution_context": ExecutionContext(GraphSchema({}), node_name="linear_intents"),
    }


def _trained(tmp_path: Path, training: Dict[str, List[str]] = TRAINING) -> LinearIntentBlend:
    parts = _storage(tmp_path)
    LinearIntentBlend.create(CONFIG, **parts).train(
        TrainingData([_message(text, intent) for intent, texts in training.items() for text in texts])
    )
    return LinearIntentBlend.load(CONFIG, **parts)


def _parsed(blend: LinearIntentBlend, text: str, diet: Dict[str, float]) -> Message:
    [message] = blend.process([_message(text, diet=diet)])
    return message


def test_when_diet_is_unsure_the_linear_model_settles_it(tmp_path: Path) -> None:
    unsure = {"goodbye": 0.4, "reporting": 0.35, "greet": 0.15, "find_services": 0.1}
    message = _parsed(_trained(tmp_path), "police report", unsure)
    assert message.get(INTENT)[INTENT_NAME_KEY] == "reporting"


def test_when_diet_is_sure_and_right_the_blend_agrees(tmp_path: Path) -> None:
    sure = {"find_services": 0.97, "greet": 0.01, "goodbye": 0.01, "reporting": 0.01}
    message = _parsed(_trained(tmp_path), "refuge", sure)
    assert message.get(INTENT)[INTENT_NAME_KEY] == "find_services"
    assert message.get(INTENT)[PREDICTED_CONFIDENCE_KEY] > 0.5


def test_the_ranking_is_sorted_keeps_diets_length_and_its_confidences_still_sum_to_one(tmp_path: Path) -> None:
    diet = {"greet": 0.5, "goodbye": 0.3, "reporting": 0.2}
    message = _parsed(_trained(tmp_path), "hello", diet)
    ranking = message.get(INTENT_RANKING_KEY)
    confidences = [entry[PREDICTED_CONFIDENCE_KEY] for entry in ranking]
    assert len(ranking) == len(diet)
    assert confidences == sorted(confidences, reverse=True)
    assert ranking[0] == message.get(INTENT)
    everything = _parsed(_trained(tmp_path), "hello", {**diet, "find_services": 0.0})
    assert sum(entry[PREDICTED_CONFIDENCE_KEY] for entry in everything.get(INTENT_RANKING_KEY)) == pytest.approx(1.0)


def test_an_intent_diet_left_out_of_its_ranking_can_still_win(tmp_path: Path) -> None:
    message = _parsed(_trained(tmp_path), "refuge place", {"greet": 0.4, "goodbye": 0.35})
    assert message.get(INTENT)[INTENT_NAME_KEY] == "find_services"


def test_with_diet_weight_one_diets_prediction_stands(tmp_path: Path) -> None:
    parts = _storage(tmp_path)
    config = {**CONFIG, DIET_WEIGHT_KEY: 1.0}
    LinearIntentBlend.create(config, **parts).train(
        TrainingData([_message(text, intent) for intent, texts in TRAINING.items() for text in texts])
    )
    diet_says_greet = _message("police", diet={"greet": 0.6, "reporting": 0.4})
    [message] = LinearIntentBlend.load(config, **parts).process([diet_says_greet])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "greet"


def test_too_few_examples_to_calibrate_leaves_diets_prediction_unchanged(tmp_path: Path) -> None:
    blend = _trained(tmp_path, {"greet": ["hello"], "goodbye": ["bye", "later"]})
    message = _parsed(blend, "bye", {"greet": 0.6, "goodbye": 0.4})
    assert message.get(INTENT) == {INTENT_NAME_KEY: "greet", PREDICTED_CONFIDENCE_KEY: 0.6}


def test_a_message_without_the_features_keeps_diets_prediction(tmp_path: Path) -> None:
    message = Message(data={TEXT: "hello"})
    message.set(INTENT, {INTENT_NAME_KEY: "greet", PREDICTED_CONFIDENCE_KEY: 0.9})
    [processed] = _trained(tmp_path).process([message])
    assert processed.get(INTENT) == {INTENT_NAME_KEY: "greet", PREDICTED_CONFIDENCE_KEY: 0.9}


@pytest.mark.parametrize("config", [
    {FEATURIZERS_KEY: [], DIET_WEIGHT_KEY: 0.5},
    {FEATURIZERS_KEY: [WORDS], DIET_WEIGHT_KEY: 1.5},
    {FEATURIZERS_KEY: [WORDS], DIET_WEIGHT_KEY: "half"},
])
def test_a_config_that_would_silently_do_nothing_or_nonsense_is_refused(tmp_path: Path, config: Dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        LinearIntentBlend.create({**LinearIntentBlend.get_default_config(), **config}, **_storage(tmp_path))
