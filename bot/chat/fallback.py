"""What the gateway says itself when the assistant can't answer in time (never silent).

The emergency wording is the assistant's own `utter_emergency` from domain.yml, so it is the same
words every time, whoever says them; the helpline comes from the facts file.
"""

import logging
from functools import lru_cache
from pathlib import Path
from typing import List

import yaml

from bot.facts import national_helpline
from bot.nlp.danger import is_danger

logger = logging.getLogger(__name__)

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@lru_cache(maxsize=1)
def emergency_wording() -> str:
    """The fixed emergency response, read from domain.yml."""
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    return str(domain["responses"]["utter_emergency"][0]["text"])


def helpline_line() -> str:
    """The sentence every fallback ends with: a person to talk to, and 999."""
    helpline = national_helpline()
    return (
        f"You can talk to someone any time on the 24-hour {helpline.short_name}: "
        f"{helpline.number} (free). If you are in danger, call 999."
    )


def unavailable_messages(survivor_text: str) -> List[str]:
    """Messages for a survivor whose message the assistant couldn't answer in time."""
    if is_danger(survivor_text):
        return [emergency_wording(), helpline_line()]
    return ["Sorry, I can't answer right now. " + helpline_line()]


def live_chat_down_text() -> str:
    """For a survivor in a live chat with staff when the gateways can't reach each other (Redis down)."""
    return (
        "Sorry, the live chat with the support team isn't working just now, so a support worker can't join. "
        "You're back with the automated assistant. " + helpline_line()
    )
