"""A ResponseSelector whose answer always belongs to the topic the intent classifier chose.

Rasa 3.6's ResponseSelector, trained on every retrieval intent at once, ranks the answers of all
topics together, and `utter_<topic>` then says whichever answer came first, even one from another
topic: "can staff see my chat" (topic `chat_info`) was given the Clare's Law answer. DIET, which also
sees character n-grams and entity types, picks the topic better than the selector picks the answer
(held-out: 0.947 against 0.836), so this selector says its best answer *within* DIET's topic. On the
held-out set that took right answers from 0.836 to 0.853 (docs/quality.md).
"""

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key
from rasa.utils.tensorflow.constants import RANKING_LENGTH

logger = logging.getLogger(__name__)

SHOWN_RANKING = 10
"""Answers kept in the parse data's ranking (the selector ranks them all, to find one in the topic)."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TopicResponseSelector(ResponseSelector):
    """ResponseSelector whose chosen answer is its best one within the predicted intent's topic."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Rasa's defaults, but ranking every answer, so one within the topic is always found."""
        return {**ResponseSelector.get_default_config(), RANKING_LENGTH: 0}

    def process(self, messages: List[Message]) -> List[Message]:
        """Selects answers as Rasa does, then keeps each within its message's topic."""
        for message in super().process(messages):
            self.keep_to_topic(message)
        return messages

    def keep_to_topic(self, message: Message) -> None:
        """Makes `message`'s chosen answer the best one in its predicted topic, and trims the ranking kept
        in its parse data (public so the choice can be checked without training a model)."""
        selected = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {}).get(RESPONSE_SELECTOR_DEFAULT_INTENT)
        if not selected:
            return
        ranking: List[Dict[str, Any]] = selected[RESPONSE_SELECTOR_RANKING_KEY]
        in_topic = self._best_in_topic(message, ranking)
        if in_topic is not None and in_topic is not ranking[0]:
            logger.debug("Answer %s replaced by %s, in the predicted topic.",
                         ranking[0][INTENT_RESPONSE_KEY], in_topic[INTENT_RESPONSE_KEY])
            selected[RESPONSE_SELECTOR_PREDICTION_KEY] = self._prediction(in_topic)
        selected[RESPONSE_SELECTOR_RANKING_KEY] = ranking[:SHOWN_RANKING]

    @staticmethod
    def _best_in_topic(message: Message, ranking: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        """The highest-ranked answer of the predicted topic; None when the intent is not a topic."""
        topic = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        prefix = f"{topic}/"
        return next((entry for entry in ranking if entry[INTENT_RESPONSE_KEY].startswith(prefix)), None)

    def _prediction(self, entry: Dict[str, Any]) -> Dict[str, Any]:
        """The prediction entry Rasa would have built had this answer ranked first."""
        key = entry[INTENT_RESPONSE_KEY]
        utter_action = intent_response_key_to_template_key(key)
        return {
            RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter_action, []),
            PREDICTED_CONFIDENCE_KEY: entry[PREDICTED_CONFIDENCE_KEY],
            INTENT_RESPONSE_KEY: key,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
        }
