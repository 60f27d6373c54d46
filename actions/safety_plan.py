"""The safety-plan form: questions asked mid-plan, and the summary at the end.

Every question can be skipped (the slot then holds SKIPPED); nothing of the plan is kept in slots
after the summary or after "stop", and slots are never carried into a new session.

Any text answers a plan question: answers like "when he goes to the pub" look like questions about
abuse to the NLU, and an answer must never be lost. Only a message that is *worded* as a question and
confidently matches an informational topic is answered instead, and the plan question asked again.
"""

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
MAX_ANSWER_CHARS = 200
"""Answers are shown back in the summary; a very long one is shortened there, never lost mid-form."""

PLAN_STEPS: Tuple[Tuple[str, str], ...] = (
    ("plan_safe_place", "Safe places"),
    ("plan_trusted_person", "People I can tell or call"),
    ("plan_code_word", "Code word"),
    ("plan_emergency_bag", "Emergency bag and documents"),
    ("plan_numbers", "Numbers to remember"),
    ("plan_children", "Keeping children safe"),
    ("plan_leaving", "Leaving safely"),
    ("plan_after_leaving", "After leaving"),
)

ALWAYS_REMEMBER = (
    "Numbers to know by heart: 999 in an emergency, and the 24-hour National Domestic Abuse "
    "Helpline 0808 2000 247."
)
KEEP_IT_SAFE = (
    "Keep your plan somewhere the person hurting you won't find it, or learn it and close this "
    "chat. I've now cleared your answers from this conversation."
)


RETRIEVAL_TOPICS = frozenset(
    {"reporting", "police_officer", "clares_law", "protection", "recognise", "specialist", "chat_info",
     "online_safety", "chitchat"}
)
MIN_QUESTION_CONFIDENCE = 0.7
QUESTION_WORDING = re.compile(
    r"\?\s*$|^\s*(?:how|what|whats|can|could|is|are|am|do|does|did|will|would|should|who|why|which)\b",
    re.IGNORECASE,
)
""""when ..." and "where ..." are left out: they start answers ("when he is at work")."""


def question_answer(latest_message: Dict[Text, Any]) -> Optional[str]:
    """The response answering `latest_message` if it is a question for the assistant, else None."""
    intent = latest_message.get("intent") or {}
    text = latest_message.get("text") or ""
    if intent.get("name") not in RETRIEVAL_TOPICS or intent.get("confidence", 0) < MIN_QUESTION_CONFIDENCE:
        return None
    if not QUESTION_WORDING.search(text):
        return None
    selected = (latest_message.get("response_selector") or {}).get("default", {}).get("response", {})
    return selected.get("utter_action") or None


def _shorten(answer: str) -> str:
    answer = " ".join(answer.split())
    if len(answer) <= MAX_ANSWER_CHARS:
        return answer
    return answer[: MAX_ANSWER_CHARS - 1].rstrip() + "…"


def _answered(value: Optional[Any]) -> Optional[str]:
    if not isinstance(value, str) or not value.strip() or value == SKIPPED:
        return None
    return _shorten(value)


def plan_summary(slots: Dict[Text, Any]) -> str:
    """The survivor's plan as short lines, leaving out what they skipped."""
    lines = [
        f"• {label}: {answer}"
        for slot, label in PLAN_STEPS
        if (answer := _answered(slots.get(slot))) is not None
    ]
    if not lines:
        return "You skipped every question, and that's fine. " + ALWAYS_REMEMBER
    return "Here is your safety plan:\n" + "\n".join(lines) + "\n" + ALWAYS_REMEMBER


def forget_plan() -> List[Dict[Text, Any]]:
    """Events that clear every safety-plan answer from the conversation's slots."""
    return [SlotSet(slot, None) for slot, _ in PLAN_STEPS]


class ValidateSafetyPlanForm(FormValidationAction):
    """Keeps every answer, except a real question, which is answered before the plan goes on."""

    def name(self) -> Text:
        return "validate_safety_plan_form"

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        extracted = tracker.slots_to_validate()
        answer = question_answer(tracker.latest_message)
        if answer is None:
            return [SlotSet(slot, value) for slot, value in extracted.items()]
        dispatcher.utter_message(response=answer)
        return [SlotSet(slot, None) for slot in extracted]


class ActionSafetyPlanSummary(Action):
    """Shows the finished plan once, then clears it."""

    def name(self) -> Text:
        return "action_safety_plan_summary"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=plan_summary(tracker.current_slot_values()))
        dispatcher.utter_message(
            text=KEEP_IT_SAFE,
            buttons=[
                {"title": "Find local help", "payload": "/find_services"},
                {"title": "Talk to a person", "payload": "/request_human"},
            ],
        )
        return forget_plan()


class ActionForgetSafetyPlan(Action):
    """Clears the plan when the survivor stops part-way."""

    def name(self) -> Text:
        return "action_forget_safety_plan"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        return forget_plan()
