"""Talking to a person: queue the survivor for a support worker, or say honestly that nobody can come.

A support worker "can come" only if someone is available right now within the live-chat hours
(bot.handoff.availability). Then the conversation joins the queue (a risk to life first, and staff see
which), the survivor is told their place, and the action returns ConversationPaused: Rasa keeps logging the
survivor's messages but stops answering, and the gateway relays them to staff. The custom payload tells the
gateway so.
"""

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.database.engine import default_engine
from bot.handoff import queue
from bot.handoff.availability import Availability, availability, staff_hours
from bot.privacy.redaction import redact
from bot.risk import Risk, event_risk, most_serious
from bot.wording import helpline_line

logger = logging.getLogger(__name__)

NOT_CONTENT = ("request_human", "affirm", "deny")
"""Intents whose words say nothing about the survivor's situation: never the queue preview."""
PREVIEW_CHARS = 160


def queued_text(position: int) -> str:
    """The honest promise: a person is coming, and roughly when."""
    place = "next in the queue" if position == 1 else f"number {position} in the queue"
    return (
        f"A support worker will join this chat. You're {place}; it usually takes a few minutes. "
        "You can keep writing while you wait, and they will see it. You can cancel and go back to the "
        "assistant at any time.\nIf you are in danger, call 999."
    )


def unavailable_text(hours_open: Availability) -> str:
    """Nobody can come now: when live chat is open, and a person to talk to right now."""
    hours = hours_open.hours
    when = "" if hours.always else f" Live chat with a support worker is open {hours.describe()} (UK time)."
    return (
        f"Sorry, there's no support worker free to chat just now.{when}\n{helpline_line()}\n"
        "I'm still here if you'd like to keep chatting."
    )


def risk_to_life(tracker: Tracker) -> Risk:
    """The gravest risk to life recognised in anything the survivor said in this conversation: danger now,
    or thoughts of self-harm. Either puts the survivor first in the queue; the console shows which."""
    return most_serious(event_risk(event) for event in tracker.events)


def preview(tracker: Tracker) -> str:
    """The survivor's latest message about their situation, redacted and short, for the staff queue."""
    for event in reversed(tracker.events):
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        text: Optional[str] = event.get("text")
        if event.get("event") == "user" and text and not text.startswith("/") and intent not in NOT_CONTENT:
            shown = redact(text)
            return shown if len(shown) <= PREVIEW_CHARS else shown[: PREVIEW_CHARS - 1] + "…"
    return ""


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
        try:
            engine = default_engine()
            now = availability(engine, staff_hours())
            if not now.available:
                logger.info("Handoff requested; no support worker is available.")
                if now.any_staff:
                    dispatcher.utter_message(text=unavailable_text(now))
                else:
                    dispatcher.utter_message(response="utter_handoff_unavailable")
                return []
            risk = risk_to_life(tracker)
            position = queue.request(engine, tracker.sender_id, risk, preview(tracker))
        except SQLAlchemyError as error:
            logger.error("Handoff requested but the database failed (%s).", type(error).__name__)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return []
        logger.info("Handoff requested; queued at position %d (urgent: %s).", position, risk.urgent)
        dispatcher.utter_message(text=queued_text(position))
        dispatcher.utter_message(json_message={"handoff": "queued", "position": position})
        return [ConversationPaused()]
