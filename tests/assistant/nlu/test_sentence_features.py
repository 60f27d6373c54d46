"""The classifiers get one token-level input (entity types) and every featurizer's sentence level."""

from pathlib import Path
from typing import Dict, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot.assistant.nlu.entity_features import DEFAULT_LABELS, EntityTypeFeaturizer
from bot.assistant.nlu.sentence_features import DROP_FROM_KEY, SentenceFeaturesOnly
from bot.nlp.build import build_pipeline

WORDS, CHARACTERS, ENTITY_TYPES = "words", "characters", "entity_types"
TRAINING_TEXTS = ["any refuge near york", "he reads my phone", "help me please"]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


def _featurizer(tmp_path: Path, alias: str, **config: object) -> CountVectorsFeaturizer:
    context = ExecutionContext(GraphSchema({}), node_name=alias)
    full_config = {**CountVectorsFeaturizer.get_default_config(), "alias": alias, **config}
    return CountVectorsFeaturizer.create(full_config, LocalModelStorage(tmp_path), Resource(alias), context)


def _featurized(nlp: Language, tmp_path: Path, texts: List[str]) -> List[Message]:
    """Messages through the same featurizers as config.yml: entity types, words, characters."""
    messages = [Message(data={TEXT: text, INTENT: "greet", RESPONSE: "hello"}) for text in TRAINING_TEXTS + texts]
    for message in messages:
        for attribute in (TEXT, RESPONSE):
            message.set(SPACY_DOCS[attribute], nlp(message.get(attribute)))
    SpacyTokenizer(SpacyTokenizer.get_default_config()).process_training_data(TrainingData(messages))
    EntityTypeFeaturizer(EntityTypeFeaturizer.get_default_config(), ENTITY_TYPES).process(messages)
    for featurizer in (_featurizer(tmp_path, WORDS), _featurizer(tmp_path, CHARACTERS, analyzer="char_wb")):
        featurizer.train(TrainingData(messages))
        featurizer.process_training_data(TrainingData(messages))
    return messages[len(TRAINING_TEXTS):]


def _origins(message: Message, attribute: str, feature_type: str) -> List[str]:
    return [str(f.origin) for f in message.features if f.attribute == attribute and f.type == feature_type]


def _trimmer() -> SentenceFeaturesOnly:
    return SentenceFeaturesOnly({DROP_FROM_KEY: [WORDS, CHARACTERS]})


def test_only_the_entity_types_stay_at_token_level(nlp: Language, tmp_path: Path) -> None:
    [message] = _trimmer().process(_featurized(nlp, tmp_path, ["is there a refuge in leeds"]))
    assert _origins(message, TEXT, FEATURE_TYPE_SEQUENCE) == [ENTITY_TYPES]
    assert sorted(_origins(message, TEXT, FEATURE_TYPE_SENTENCE)) == [CHARACTERS, ENTITY_TYPES, WORDS]


def test_the_classifiers_still_see_one_row_per_token_and_every_sentence_feature(
    nlp: Language, tmp_path: Path
) -> None:
    [untrimmed] = _featurized(nlp, tmp_path, ["is there a refuge in leeds"])
    sentence_before = untrimmed.get_sparse_features(TEXT)[1]
    [message] = _trimmer().process([untrimmed])
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sequence is not None and sentence is not None and sentence_before is not None
    assert sequence.features.shape == (6, len(DEFAULT_LABELS))
    assert (sentence.features != sentence_before.features).nnz == 0


def test_other_attributes_keep_their_token_level(nlp: Language, tmp_path: Path) -> None:
    [message] = _trimmer().process(_featurized(nlp, tmp_path, ["i need help now"]))
    assert sorted(_origins(message, RESPONSE, FEATURE_TYPE_SEQUENCE)) == [CHARACTERS, WORDS]


def test_training_examples_are_trimmed_as_live_messages_are(nlp: Language, tmp_path: Path) -> None:
    messages = _featurized(nlp, tmp_path, ["can he see my messages"])
    _trimmer().process_training_data(TrainingData(messages))
    assert _origins(messages[0], TEXT, FEATURE_TYPE_SEQUENCE) == [ENTITY_TYPES]


@pytest.mark.parametrize("config", [{}, {DROP_FROM_KEY: []}, {DROP_FROM_KEY: "words"}, {DROP_FROM_KEY: [""]}])
def test_a_config_that_would_drop_nothing_is_refused(config: Dict[str, object]) -> None:
    with pytest.raises(ValueError, match=DROP_FROM_KEY):
        SentenceFeaturesOnly.validate_config(config)
