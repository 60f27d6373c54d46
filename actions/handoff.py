"""Talking to a person.

Live handoff to support staff comes with the gateway and staff console. Until a deployment has
them, this action says so honestly and gives the 24-hour helpline: no false promise of a person.
"""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)


class ActionRequestHandoff(Action):
    """Answers a request for a person with what is actually available."""

    def name(self) -> Text:
        return "action_request_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        logger.info("Handoff requested; live chat is not available in this deployment.")
        dispatcher.utter_message(response="utter_handoff_unavailable")
        return []
