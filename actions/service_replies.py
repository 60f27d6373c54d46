"""How a directory service is described to a survivor: what it does, how to reach it, when it's open.

Short lines for a phone screen. Hours are given only when the directory knows them, and "open now"
only when it can be worked out; sample entries always say they are examples.
"""

import logging
from typing import List, Optional

from bot.directory.search import Match
from bot.facts import Helpline
from bot.hours import parse_hours

logger = logging.getLogger(__name__)

NEED_WORDS = {
    "refuge": "refuge",
    "idva": "IDVA (independent domestic violence adviser)",
    "outreach": "outreach",
    "counselling": "counselling",
    "legal_advice": "legal advice",
    "helpline": "helpline",
    "children": "support for children",
    "specialist_group": "support group",
}
OPEN_WORDS = {True: "open now", False: "closed now"}
UNKNOWN_HOURS = "Ask about opening hours when you get in touch."
SAMPLE_NOTICE = (
    "Entries marked (example) are made-up samples that show how this works. They are not real services."
)
ALWAYS_AVAILABLE = "Any time, day or night: {line}"
IN_DANGER = "If you are in danger now, call 999."


def need_words(need: Optional[str]) -> str:
    """A need as people say it ("legal advice"), or "" when none was asked for."""
    return NEED_WORDS.get(need or "", "")


def _contact(match: Match) -> str:
    entry = match.entry
    ways = [
        f"Call {entry.phone}" if entry.phone else "",
        f"Text {entry.text_number}" if entry.text_number else "",
        f"Web chat: {entry.web_chat}" if entry.web_chat else "",
        f"Website: {entry.website}" if entry.website else "",
    ]
    return " · ".join(way for way in ways if way)


def _hours(match: Match) -> str:
    hours = parse_hours(match.entry.hours).describe()
    if not hours:
        return UNKNOWN_HOURS
    state = OPEN_WORDS.get(match.open_now) if match.open_now is not None else None
    return f"{hours} ({state})" if state else hours


def describe(match: Match) -> str:
    """One service in three short lines: name and what it does; how to contact; hours and open now."""
    entry = match.entry
    return f"• {entry.name}: {entry.description}\n  {_contact(match)}\n  {_hours(match)}"


def results_text(matches: List[Match], heading: str) -> str:
    """A page of results under its heading, with the sample notice when any entry is a sample."""
    lines = [heading, *(describe(match) for match in matches)]
    if any(match.entry.sample for match in matches):
        lines.append(SAMPLE_NOTICE)
    return "\n".join(lines)


def helpline_text(helpline: Helpline) -> str:
    """The 24-hour helpline and 999, given with every answer."""
    return f"{ALWAYS_AVAILABLE.format(line=helpline.describe())}\n{IN_DANGER}"
