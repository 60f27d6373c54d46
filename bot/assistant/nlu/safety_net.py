"""The danger safety net as a Rasa NLU component.

It runs last in the pipeline, after DIET and the FallbackClassifier, and overrides whatever was
predicted with the danger intent when `bot.nlp.danger` recognises a danger phrase, so emergency
guidance is given even when the model is unsure or wrong. When there is no danger phrase but
`bot.nlp.self_harm` recognises that the writer may harm themselves, it predicts the self-harm intent
the same way, so "i want to end it all" is never taken for "stop".
"""

import logging
from typing import Any, Dict, List, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.danger import detect_danger
from bot.nlp.self_harm import detect_self_harm

logger = logging.getLogger(__name__)

DANGER_INTENT_KEY = "danger_intent"
DEFAULT_DANGER_INTENT = "immediate_danger"
SELF_HARM_INTENT_KEY = "self_harm_intent"
DEFAULT_SELF_HARM_INTENT = "self_harm"
SAFETY_NET_KEY = "safety_net"
"""Parse-data key naming the rule that fired, so evaluations and audits can tell net from model."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DangerSafetyNet(GraphComponent, IntentClassifier):
    """Overrides the predicted intent with the danger intent when a danger rule fires."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """The net corrects a prediction, so a classifier must have made one."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The intents to predict when a danger or a self-harm rule fires."""
        return {DANGER_INTENT_KEY: DEFAULT_DANGER_INTENT, SELF_HARM_INTENT_KEY: DEFAULT_SELF_HARM_INTENT}

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Keeps the configured intent names."""
        self.danger_intent = config[DANGER_INTENT_KEY]
        self.self_harm_intent = config[SELF_HARM_INTENT_KEY]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DangerSafetyNet":
        """Creates the component; it has nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Overrides the intent of every message in which a danger or a self-harm rule fires."""
        for message in messages:
            text = message.get(TEXT)
            danger = detect_danger(text)
            if danger is not None:
                self._override(message, self.danger_intent, danger.rule)
                continue
            self_harm = detect_self_harm(text)
            if self_harm is not None:
                self._override(message, self.self_harm_intent, self_harm.rule)
        return messages

    @staticmethod
    def _override(message: Message, intent: Text, rule: Text) -> None:
        if message.get(INTENT, {}).get(INTENT_NAME_KEY) != intent:
            logger.info("Safety net overrode the NLU prediction (rule %s).", rule)
        predicted = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != intent
        ]
        message.set(INTENT, predicted, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [predicted, *ranking], add_to_output=True)
        message.set(SAFETY_NET_KEY, {"rule": rule}, add_to_output=True)
