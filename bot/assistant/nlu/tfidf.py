"""TF-IDF weighting of the n-gram featurizers' sentence-level counts, before DIET reads them.

Rasa's `CountVectorsFeaturizer` gives raw counts: a long message of character n-grams weighs many
times a short one, and "the", "my" or "ing" count as much as "refuge". On this data a linear model
over the same n-grams scored intent macro-F1 0.882 on raw counts, 0.899 with each featurizer's row
scaled to length 1, and 0.909 with TF-IDF (sublinear counts, inverse document frequency, length 1),
in the same 5-fold split (docs/quality.md). This component learns each n-gram's document frequency
from the training examples and adds the weighted sentence-level features beside the counts, as
`<featurizer>_tfidf`: DIET reads those, while the response selector keeps the counts it was tuned on
(weighted words took its training accuracy from 0.99 to 0.40 in 30 epochs).
"""

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.assistant.nlu.component_config import require_names

logger = logging.getLogger(__name__)

FEATURIZERS_KEY = "featurizers"
IDF_FILE = "idf.npz"
ORIGIN_SUFFIX = "_tfidf"
"""The weighted features' origin is the counting featurizer's name with this suffix: `words_tfidf`."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TfIdfWeighting(GraphComponent):
    """Adds the named featurizers' sentence-level text counts weighted by TF-IDF, each row to length 1."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Names no featurizer: config.yml says which counts are weighted."""
        return {FEATURIZERS_KEY: []}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Refuses anything but a non-empty list of featurizer names (a typo would weigh nothing)."""
        require_names(config, FEATURIZERS_KEY, cls.__name__, "featurizer names")

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        idf: Optional[Dict[str, np.ndarray]] = None,
    ) -> None:
        """Keeps the featurizers to weigh and, once trained or loaded, their n-grams' IDF."""
        self.validate_config(config)
        self.featurizers = list(config[FEATURIZERS_KEY])
        self._model_storage = model_storage
        self._resource = resource
        self.idf: Dict[str, np.ndarray] = idf or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TfIdfWeighting":
        """An untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TfIdfWeighting":
        """The component with the IDF it learnt in training."""
        with model_storage.read_from(resource) as directory, np.load(Path(directory) / IDF_FILE) as stored:
            idf = {name: stored[name] for name in stored.files}
        return cls(config, model_storage, resource, idf)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns each n-gram's inverse document frequency over the training examples."""
        for name in self.featurizers:
            rows = [feature.features for feature in self._sentence_features(training_data.training_examples, name)]
            if not rows:
                raise ValueError(f"TfIdfWeighting found no sentence-level text features from '{name}'.")
            documents = scipy.sparse.vstack(rows).tocsc()
            document_frequency = np.diff(documents.indptr)
            self.idf[name] = np.log((1 + len(rows)) / (1 + document_frequency)) + 1
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(Path(directory) / IDF_FILE, **self.idf)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Weighs the training examples as live messages are weighed."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds each named featurizer's sentence-level counts as TF-IDF weights (`<name>_tfidf`)."""
        for message in messages:
            for name in self.featurizers:
                for counts in self._sentence_features([message], name):
                    weights = self.weighted(counts.features, self.idf[name])
                    message.add_features(Features(weights, FEATURE_TYPE_SENTENCE, TEXT, name + ORIGIN_SUFFIX))
        return messages

    @staticmethod
    def weighted(counts: scipy.sparse.spmatrix, idf: np.ndarray) -> scipy.sparse.coo_matrix:
        """1 + log(count), times the IDF, the row scaled to length 1 (an empty row stays empty)."""
        weights = scipy.sparse.csr_matrix(counts, dtype=np.float64, copy=True)
        weights.eliminate_zeros()
        weights.data = (1 + np.log(weights.data)) * idf[weights.indices]
        length = np.sqrt(np.square(weights.data).sum())
        if length > 0:
            weights.data /= length
        return weights.tocoo()

    @staticmethod
    def _sentence_features(messages: List[Message], featurizer: str) -> List[Features]:
        return [
            feature
            for message in messages
            for feature in message.features
            if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE and feature.origin == featurizer
        ]
