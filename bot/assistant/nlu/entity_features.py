"""Entity types as NLU features: what the gazetteer knows, given to DIET.

DIET learns only from the words in the training data, so a place it never saw ("glasgow", "se15")
means nothing to it, and a bare reply to "Where are you?" was read as a goodbye or a yes. The
project's entity ruler already knows every place, need and group (`bot.nlp.patterns`); this
featurizer marks each token inside such an entity with its type, so "a town" becomes one feature
the classifier can learn from a few examples.
"""

import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.assistant.nlu.component_config import require_names
from bot.nlp.patterns import LOCATION, NEED, WHO_FOR_LABEL

logger = logging.getLogger(__name__)

LABELS_KEY = "labels"
DEFAULT_LABELS = [LOCATION, NEED, WHO_FOR_LABEL]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class EntityTypeFeaturizer(SparseFeaturizer, GraphComponent):
    """One sparse feature per entity type: set on the tokens of each entity the spaCy pipeline found."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """The entities come from the spaCy doc, with tokens from the same pipeline."""
        return [SpacyTokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The entity types that become features."""
        return {**SparseFeaturizer.get_default_config(), LABELS_KEY: DEFAULT_LABELS}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Refuses an empty or malformed list of types, which would silently add nothing."""
        require_names(config, LABELS_KEY, cls.__name__, "entity types")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        """Keeps the entity types in a fixed order: the feature columns."""
        super().__init__(name, config)
        self.columns = {label: index for index, label in enumerate(config[LABELS_KEY])}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EntityTypeFeaturizer":
        """Creates the featurizer; it has nothing to train or persist."""
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples the same way as live messages."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the entity-type features to each message's text."""
        for message in messages:
            sequence, sentence = self.features(message)
            if sequence is not None:
                self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages

    def features(self, message: Message) -> Tuple[Optional[scipy.sparse.coo_matrix], Optional[scipy.sparse.coo_matrix]]:
        """Token-level marks (token x type) and whether each type occurs at all (1 x type)."""
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        doc = message.get(SPACY_DOCS[TEXT])
        if not tokens or doc is None:
            return None, None
        sequence = np.zeros((len(tokens), len(self.columns)))
        for entity in doc.ents:
            column = self.columns.get(entity.label_)
            if column is None:
                continue
            for row, token in enumerate(tokens):
                if token.start < entity.end_char and token.end > entity.start_char:
                    sequence[row, column] = 1.0
        sentence = sequence.max(axis=0, keepdims=True)
        return scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence)
