"""The safety-plan form: questions asked mid-plan, and the summary at the end.

Every question can be skipped (the slot then holds SKIPPED); nothing of the plan is kept in slots
after the summary or after "stop", and slots are never carried into a new session.

The plan is never stored: the tracker store writes a placeholder wherever an answer would be
(bot/privacy/safety_plan.py), so from the next turn on the slots hold placeholders. The answers of a plan
still being made are held here instead, outside the conversation's record (`PlanAnswers`: this process's
memory, or Redis with several instances), for as long as a session lasts, and let go when the summary has
been shown or the survivor stops. The summary is marked so that it is stored as a placeholder too.

Any text answers a plan question: answers like "when he goes to the pub" look like questions about
abuse to the NLU, and an answer must never be lost. Only a message that is *worded* as a question and
confidently matches an informational topic is answered instead, and the plan question asked again.
"""

import functools
import logging
import math
import re
import time
from typing import Any, Dict, List, Optional, Protocol, Text, Tuple

import redis
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.privacy.safety_plan import PLAN_ANSWER, PLAN_SUMMARY, STORED_AS
from bot.redis_client import redis_client
from bot.settings import DEFAULT_REDIS_PREFIX, Settings

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
PLAN_SLOTS = tuple(slot for slot, _ in PLAN_STEPS)

ALWAYS_REMEMBER = (
    "Numbers to know by heart: 999 in an emergency, and the 24-hour National Domestic Abuse "
    "Helpline 0808 2000 247."
)
KEEP_IT_SAFE = (
    "Keep your plan somewhere the person hurting you won't find it, or learn it and close this "
    "chat. I've now cleared your answers from this conversation."
)
NOT_KEPT = "(I couldn't keep this answer, sorry)"
"""Shown for an answer the survivor gave but that was lost meanwhile (this server restarted): never her words
from anywhere else, as none are stored."""
SESSION_MINUTES = 60
"""Rasa's own default session length, for a domain that doesn't say (domain.yml does: session_config)."""
REDIS_TIMEOUT_S = 2.0


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


class PlanAnswers(Protocol):
    """The answers of each plan still being made, by conversation: the tracker holds only placeholders."""

    async def keep(self, conversation: str, answers: Dict[str, str], keep_for_s: float) -> None:
        """Holds `answers` (slot: words) with those already held, until `keep_for_s` after this."""

    async def recall(self, conversation: str) -> Dict[str, str]:
        """Every answer still held for `conversation`."""

    async def forget(self, conversation: str) -> None:
        """Lets go of every answer held for `conversation`."""


class MemoryPlanAnswers:
    """The answers in this action server's memory: enough for one action server."""

    def __init__(self) -> None:
        self._held: Dict[str, Tuple[float, Dict[str, str]]] = {}

    async def keep(self, conversation: str, answers: Dict[str, str], keep_for_s: float) -> None:
        held = await self.recall(conversation)
        self._held[conversation] = (time.monotonic() + keep_for_s, {**held, **answers})

    async def recall(self, conversation: str) -> Dict[str, str]:
        now = time.monotonic()
        for expired in [name for name, (until, _) in self._held.items() if until <= now]:
            del self._held[expired]
        return dict(self._held[conversation][1]) if conversation in self._held else {}

    async def forget(self, conversation: str) -> None:
        self._held.pop(conversation, None)


class RedisPlanAnswers:
    """The answers in Redis, shared by several action servers: `<prefix>plan:<conversation>`, a hash that
    expires `keep_for_s` after the last answer. If Redis can't be reached, an answer is not held (the summary
    says so) and the plan goes on: the form must never fail over it."""

    def __init__(self, url: str, prefix: str = DEFAULT_REDIS_PREFIX) -> None:
        self.prefix = prefix
        self._redis = redis_client(url, f"{prefix}plan", REDIS_TIMEOUT_S)

    def key(self, conversation: str) -> str:
        return f"{self.prefix}plan:{conversation}"

    async def keep(self, conversation: str, answers: Dict[str, str], keep_for_s: float) -> None:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(self.key(conversation), mapping=answers)
                pipe.expire(self.key(conversation), math.ceil(keep_for_s))
                await pipe.execute()
        except redis.RedisError as error:
            logger.warning("Redis can't be reached (%s): a safety-plan answer is not held.", type(error).__name__)

    async def recall(self, conversation: str) -> Dict[str, str]:
        try:
            return dict(await self._redis.hgetall(self.key(conversation)))
        except redis.RedisError as error:
            logger.warning("Redis can't be reached (%s): a safety plan's answers can't be read.", type(error).__name__)
            return {}

    async def forget(self, conversation: str) -> None:
        try:
            await self._redis.delete(self.key(conversation))
        except redis.RedisError as error:
            logger.warning("Redis can't be reached (%s): held answers expire on their own.", type(error).__name__)


@functools.cache
def plan_answers() -> PlanAnswers:
    """Where this action server holds plans in progress: Redis when several instances share it
    (HAVEN_REDIS_URL, as for Rasa's locks), else its own memory. Made on first use, in the server's loop."""
    settings = Settings.from_env()
    if settings.redis_url:
        return RedisPlanAnswers(settings.redis_url, settings.redis_prefix)
    return MemoryPlanAnswers()


def keep_for_s(domain: DomainDict) -> float:
    """As long as a session (domain.yml): after that nothing of the plan is carried over anyway."""
    minutes = (domain.get("session_config") or {}).get("session_expiration_time") or SESSION_MINUTES
    return float(minutes) * 60


def answers_given(slots_set: Dict[Text, Any]) -> Dict[str, str]:
    """The survivor's answers among slots just set: plan slots holding her words, not a placeholder."""
    return {
        slot: value
        for slot, value in slots_set.items()
        if slot in PLAN_SLOTS and isinstance(value, str) and value != PLAN_ANSWER
    }


def recalled(slots: Dict[Text, Any], held: Dict[str, str]) -> Dict[str, Any]:
    """Each plan slot's answer: her words as the slot has them in the turn she gave them, else as held
    (the slot has the stored placeholder by then), else NOT_KEPT."""
    return {
        slot: held.get(slot, NOT_KEPT) if slots.get(slot) == PLAN_ANSWER else slots.get(slot)
        for slot in PLAN_SLOTS
    }


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


async def forget_plan(conversation: str) -> List[Dict[Text, Any]]:
    """Lets go of the answers held for the plan; the events that clear them from the conversation's slots."""
    await plan_answers().forget(conversation)
    return [SlotSet(slot, None) for slot in PLAN_SLOTS]


class ValidateSafetyPlanForm(FormValidationAction):
    """Keeps every answer (held here: the tracker stores a placeholder), except a real question, which is
    answered before the plan goes on."""

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
            if given := answers_given(extracted):
                await plan_answers().keep(tracker.sender_id, given, keep_for_s(domain))
            return [SlotSet(slot, value) for slot, value in extracted.items()]
        dispatcher.utter_message(response=answer)
        return [SlotSet(slot, None) for slot in extracted]


class ActionSafetyPlanSummary(Action):
    """Shows the finished plan once (stored as a placeholder), then clears it."""

    def name(self) -> Text:
        return "action_safety_plan_summary"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        held = await plan_answers().recall(tracker.sender_id)
        summary = plan_summary(recalled(tracker.current_slot_values(), held))
        dispatcher.utter_message(text=summary, **{STORED_AS: PLAN_SUMMARY})
        dispatcher.utter_message(
            text=KEEP_IT_SAFE,
            buttons=[
                {"title": "Find local help", "payload": "/find_services"},
                {"title": "Talk to a person", "payload": "/request_human"},
            ],
        )
        return await forget_plan(tracker.sender_id)


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
        return await forget_plan(tracker.sender_id)
