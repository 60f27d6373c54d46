"""What the gateway says itself when the assistant can't answer in time (never silent).

A message that shows a risk to life gets the assistant's own answer to it from domain.yml
(`utter_emergency` for danger, `utter_self_harm` for thoughts of self-harm), so it is the same words
every time, whoever says them; the helpline comes from the facts file.
"""

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional

import yaml

from bot.facts import national_helpline
from bot.risk import Risk, message_risk
from bot.settings import ROOT

logger = logging.getLogger(__name__)

DOMAIN = ROOT / "domain.yml"
RISK_RESPONSES: Dict[Risk, str] = {Risk.DANGER: "utter_emergency", Risk.SELF_HARM: "utter_self_harm"}
"""The assistant's answer to each risk to life, by its name in domain.yml."""


@lru_cache(maxsize=1)
def _responses() -> Dict[str, Any]:
    return dict(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"])


def domain_wording(response: str) -> str:
    """A fixed response's text as domain.yml has it, so the gateway and the assistant say the same words."""
    return str(_responses()[response][0]["text"])


def urgent_wording(risk: Risk) -> Optional[str]:
    """The assistant's answer to a risk to life; None when there is no risk."""
    response = RISK_RESPONSES.get(risk)
    return domain_wording(response) if response else None


def emergency_wording() -> str:
    """The fixed emergency response (999, the Silent Solution, text relay)."""
    return domain_wording(RISK_RESPONSES[Risk.DANGER])


def helpline_line() -> str:
    """The sentence every fallback ends with: a person to talk to, and 999."""
    helpline = national_helpline()
    return (
        f"You can talk to someone any time on the 24-hour {helpline.short_name}: "
        f"{helpline.number} (free). If you are in danger, call 999."
    )


def widget_helpline_line() -> str:
    """What the widget itself shows when it can't reach the gateway, or after a support worker ends the chat."""
    helpline = national_helpline()
    return (
        f"If you need help now, call the 24-hour {helpline.short_name} on {helpline.number}. "
        "In an emergency, call 999."
    )


def unavailable_messages(survivor_text: str) -> List[str]:
    """Messages for a survivor whose message the assistant couldn't answer in time."""
    wording = urgent_wording(message_risk(survivor_text))
    if wording:
        return [wording, helpline_line()]
    return ["Sorry, I can't answer right now. " + helpline_line()]


def live_chat_down_text() -> str:
    """For a survivor in a live chat with staff when the gateways can't reach each other (Redis down)."""
    return (
        "Sorry, the live chat with the support team isn't working just now, so a support worker can't join. "
        "You're back with the automated assistant. " + helpline_line()
    )
