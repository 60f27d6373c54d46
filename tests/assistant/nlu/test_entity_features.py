"""The entity-type featurizer gives DIET what the gazetteer knows: places, needs and groups."""

from typing import List

import pytest
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot.assistant.nlu.entity_features import DEFAULT_LABELS, EntityTypeFeaturizer
from bot.nlp.build import build_pipeline

FEATURIZER_NAME = "entity_types"


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


@pytest.fixture
def featurizer() -> EntityTypeFeaturizer:
    return EntityTypeFeaturizer(EntityTypeFeaturizer.get_default_config(), FEATURIZER_NAME)


def _message(nlp: Language, text: str) -> Message:
    """A message as the pipeline hands it on: spaCy doc, then Rasa's spaCy tokens."""
    message = Message(data={TEXT: text})
    message.set(SPACY_DOCS[TEXT], nlp(text))
    SpacyTokenizer(SpacyTokenizer.get_default_config()).process([message])
    return message


def _marked_tokens(message: Message, label: str) -> List[str]:
    [sequence] = [f for f in message.features if f.is_sparse() and f.type == "sequence"]
    column = DEFAULT_LABELS.index(label)
    tokens = message.get(TOKENS_NAMES[TEXT])
    return [tokens[row].text for row, col in zip(sequence.features.row, sequence.features.col, strict=True)
            if col == column]


def _sentence_vector(message: Message) -> List[float]:
    [sentence] = [f for f in message.features if f.is_sparse() and f.type == "sentence"]
    return [float(v) for v in sentence.features.toarray()[0]]


def test_a_bare_town_the_model_never_saw_is_marked_as_a_place(nlp: Language, featurizer: EntityTypeFeaturizer) -> None:
    [message] = featurizer.process([_message(nlp, "glasgow")])
    assert _marked_tokens(message, "location") == ["glasgow"]
    assert _sentence_vector(message) == [1.0, 0.0, 0.0]


def test_every_token_of_a_place_and_a_need_is_marked(nlp: Language, featurizer: EntityTypeFeaturizer) -> None:
    [message] = featurizer.process([_message(nlp, "is there a refuge in milton keynes")])
    assert _marked_tokens(message, "location") == ["milton", "keynes"]
    assert _marked_tokens(message, "need") == ["refuge"]
    assert _sentence_vector(message) == [1.0, 1.0, 0.0]


def test_a_message_with_no_entities_gets_empty_features(nlp: Language, featurizer: EntityTypeFeaturizer) -> None:
    [message] = featurizer.process([_message(nlp, "he keeps reading my messages")])
    assert _sentence_vector(message) == [0.0, 0.0, 0.0]


def test_training_examples_are_featurized_like_live_messages(
    nlp: Language, featurizer: EntityTypeFeaturizer
) -> None:
    example = _message(nlp, "im in se15")
    featurizer.process_training_data(TrainingData(training_examples=[example]))
    assert _marked_tokens(example, "location") == ["se15"]


def test_a_message_without_tokens_is_left_alone(featurizer: EntityTypeFeaturizer) -> None:
    [message] = featurizer.process([Message(data={TEXT: ""})])
    assert message.features == []


@pytest.mark.parametrize("labels", [[], [""], "location"])
def test_a_config_that_would_add_nothing_is_refused(labels: object) -> None:
    with pytest.raises(ValueError, match="entity types"):
        EntityTypeFeaturizer({**EntityTypeFeaturizer.get_default_config(), "labels": labels}, FEATURIZER_NAME)
