"""TF-IDF weighting: rare words count more than common ones, and length no longer counts at all."""

from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.assistant.nlu.tfidf import FEATURIZERS_KEY, ORIGIN_SUFFIX, TfIdfWeighting

WORDS = "words"
VOCABULARY = ["my", "he", "refuge", "help"]
TRAINING = ["my he", "my refuge", "my help", "he my", "my"]
"""'my' is in every example, 'refuge' and 'help' in one each."""


def _message(text: str, origin: str = WORDS) -> Message:
    """A message with word counts as CountVectorsFeaturizer gives them (sentence and token level)."""
    words = text.split()
    counts = np.array([[words.count(word) for word in VOCABULARY]], dtype=float)
    tokens = np.array([[float(word == known) for known in VOCABULARY] for word in words])
    message = Message(data={TEXT: text})
    message.add_features(Features(scipy.sparse.coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, origin))
    message.add_features(Features(scipy.sparse.coo_matrix(tokens), FEATURE_TYPE_SEQUENCE, TEXT, origin))
    return message


def _trained(tmp_path: Path) -> TfIdfWeighting:
    storage, resource = LocalModelStorage(tmp_path), Resource("tfidf")
    context = ExecutionContext(GraphSchema({}), node_name="tfidf")
    weighting = TfIdfWeighting.create({FEATURIZERS_KEY: [WORDS]}, storage, resource, context)
    weighting.train(TrainingData([_message(text) for text in TRAINING]))
    return TfIdfWeighting.load({FEATURIZERS_KEY: [WORDS]}, storage, resource, context)


def _weighted(message: Message) -> Dict[str, float]:
    [weights] = [f for f in message.features if f.origin == WORDS + ORIGIN_SUFFIX]
    assert weights.type == FEATURE_TYPE_SENTENCE and weights.attribute == TEXT
    columns, values = weights.features.col, weights.features.data
    return {VOCABULARY[column]: value for column, value in zip(columns, values, strict=True)}


def _weights(weighting: TfIdfWeighting, text: str) -> Dict[str, float]:
    [message] = weighting.process([_message(text)])
    return _weighted(message)


def test_a_rare_word_weighs_more_than_one_in_every_message(tmp_path: Path) -> None:
    weights = _weights(_trained(tmp_path), "my refuge")
    assert weights["refuge"] > 2 * weights["my"]


def test_each_message_has_length_one_so_a_long_message_weighs_no_more(tmp_path: Path) -> None:
    weighting = _trained(tmp_path)
    short, long = _weights(weighting, "help"), _weights(weighting, "help help help help")
    assert short == pytest.approx(long) == {"help": 1.0}
    assert np.linalg.norm(list(_weights(weighting, "my he refuge").values())) == pytest.approx(1.0)


def test_a_message_with_no_known_word_stays_empty(tmp_path: Path) -> None:
    assert _weights(_trained(tmp_path), "hiya") == {}


def test_the_counts_stay_beside_the_weights_for_the_response_selector(tmp_path: Path) -> None:
    weighting = _trained(tmp_path)
    [message] = weighting.process([_message("my my")])
    assert [(f.origin, f.type, list(f.features.data)) for f in message.features] == [
        (WORDS, FEATURE_TYPE_SENTENCE, [2.0]),
        (WORDS, FEATURE_TYPE_SEQUENCE, [1.0, 1.0]),
        (WORDS + ORIGIN_SUFFIX, FEATURE_TYPE_SENTENCE, [1.0]),
    ]
    [other] = weighting.process([_message("my my", origin="characters")])
    assert len(other.features) == 2, "another featurizer's counts are not weighted"


def test_training_examples_are_weighted_as_live_messages_are(tmp_path: Path) -> None:
    weighting = _trained(tmp_path)
    training = TrainingData([_message("my refuge")])
    weighting.process_training_data(training)
    assert _weighted(training.training_examples[0]) == pytest.approx(_weights(weighting, "my refuge"))


def test_training_without_the_named_featurizer_says_so(tmp_path: Path) -> None:
    weighting = TfIdfWeighting.create(
        {FEATURIZERS_KEY: ["charcters"]}, LocalModelStorage(tmp_path), Resource("tfidf"),
        ExecutionContext(GraphSchema({}), node_name="tfidf"),
    )
    with pytest.raises(ValueError, match="charcters"):
        weighting.train(TrainingData([_message(text) for text in TRAINING]))


@pytest.mark.parametrize("config", [{}, {FEATURIZERS_KEY: []}, {FEATURIZERS_KEY: "words"}, {FEATURIZERS_KEY: [""]}])
def test_a_config_that_would_weigh_nothing_is_refused(config: Dict[str, List[str]]) -> None:
    with pytest.raises(ValueError, match=FEATURIZERS_KEY):
        TfIdfWeighting.validate_config(config)
