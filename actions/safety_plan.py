"""The end of the safety-plan form: a short summary, then the answers are forgotten.

Every question can be skipped (the slot then holds SKIPPED); nothing of the plan is kept in slots
after the summary or after "stop", and slots are never carried into a new session.
"""

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

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
