"""Drops the token-level copies of features that no classifier in this pipeline reads.

DIET and the response selector here have no transformer layers, so each turns every token's
features into numbers and then reads only the sentence position: Rasa's `RasaSequenceLayer` with
0 layers is the identity, and the classifiers take its last (sentence) row. The word and character
n-gram featurizers emit both levels, and their token level, read by nothing, was most of the work
of training and of each message's prediction. Rasa's sequence layer still needs some token-level
feature to know how many tokens there are, so the small entity-type features keep theirs.
"""

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.assistant.nlu.component_config import require_names

logger = logging.getLogger(__name__)

DROP_FROM_KEY = "drop_token_features_from"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturesOnly(GraphComponent):
    """Removes the named featurizers' token-level text features, keeping their sentence level."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Names no featurizer, so nothing is dropped unless config.yml says what."""
        return {DROP_FROM_KEY: []}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Refuses anything but a non-empty list of featurizer names (a typo would drop nothing)."""
        require_names(config, DROP_FROM_KEY, cls.__name__, "featurizer names")

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Keeps the featurizer names (their aliases in config.yml) whose token level goes."""
        self.validate_config(config)
        self.drop_from = frozenset(config[DROP_FROM_KEY])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceFeaturesOnly":
        """Creates the component; it has nothing to train or persist."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Trims the training examples as live messages are trimmed, so both look the same."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Keeps every feature except the named featurizers' token-level text features."""
        for message in messages:
            message.features = [feature for feature in message.features if not self._dropped(feature)]
        return messages

    def _dropped(self, feature: Features) -> bool:
        return (
            feature.attribute == TEXT
            and feature.type == FEATURE_TYPE_SEQUENCE
            and isinstance(feature.origin, str)
            and feature.origin in self.drop_from
        )
