"""How urgent a survivor's message is, and why: a risk to life, named the same way everywhere.

Danger now and thoughts of self-harm both put a conversation first in the staff queue, but they call for
different first words (999 and the Silent Solution, or 999 and Samaritans), so the gateway, the queue and
the staff console carry one `Risk` that says which, not an "urgent" flag. Danger outranks self-harm, as in
the NLU safety net (bot/assistant/nlu/safety_net.py): a message with both gets the emergency wording.
"""

import logging
from enum import Enum
from typing import Any, Dict, Iterable, Tuple

from bot.nlp.danger import is_danger
from bot.nlp.self_harm import detect_self_harm

logger = logging.getLogger(__name__)


class Risk(str, Enum):
    """A risk to life in what a survivor wrote. Members go from least to most serious; the value is what is
    stored and sent to the console."""

    NONE = "none"
    SELF_HARM = "self_harm"
    DANGER = "danger"

    @property
    def urgent(self) -> bool:
        """Any risk to life: the survivor is seen first."""
        return self is not Risk.NONE


BY_SERIOUSNESS: Tuple[Risk, ...] = tuple(Risk)
INTENT_RISKS: Dict[str, Risk] = {"immediate_danger": Risk.DANGER, "self_harm": Risk.SELF_HARM}
"""The NLU's risk-to-life intents (the safety net's defaults in config.yml) and what each means."""


def message_risk(text: str) -> Risk:
    """The rule-based checks the NLU safety net runs, for when the assistant can't answer (down, slow, or
    paused while a person is in the chat)."""
    if is_danger(text):
        return Risk.DANGER
    if detect_self_harm(text) is not None:
        return Risk.SELF_HARM
    return Risk.NONE


def event_risk(event: Dict[str, Any]) -> Risk:
    """The risk to life the NLU recognised in a stored tracker event (a survivor's message, or none)."""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if event.get("event") != "user" or not isinstance(intent, str):
        return Risk.NONE
    return INTENT_RISKS.get(intent, Risk.NONE)


def most_serious(risks: Iterable[Risk]) -> Risk:
    """The gravest of `risks` (none for none at all)."""
    return max(risks, key=BY_SERIOUSNESS.index, default=Risk.NONE)


def less_serious_than(risk: Risk) -> Tuple[Risk, ...]:
    """The risks `risk` outranks."""
    return BY_SERIOUSNESS[: BY_SERIOUSNESS.index(risk)]
