"""Finding help: `action_find_services`, backed by the services directory (bot/directory).

It works out where to look (a place or postcode in the message, the place given earlier, or
"anywhere" for national services), asks kindly when it can't tell, and gives the three best matches
with the 24-hour helpline; "show more" pages through the rest. Nothing found, or the directory
unreachable, gets an honest answer with the national routes that fit. Only a postcode district or a
place name is ever kept in the `location` slot.
"""

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.service_replies import IN_DANGER, helpline_text, need_words, results_text
from bot.database.engine import default_engine
from bot.directory.areas import default_areas
from bot.directory.search import Match, search
from bot.facts import Helpline, helplines_serving, national_helpline
from bot.nlp.gazetteer import Place, default_gazetteer
from bot.nlp.vocabulary import canonical_need, canonical_who_for

logger = logging.getLogger(__name__)

PAGE_SIZE = 3
ANYWHERE = "anywhere"
"""The `location` slot's value when the survivor would rather not say where they are."""
SHOWN_SLOT = "services_shown"
SHOW_MORE = "show_more"
DECLINING_INTENTS = ("skip", "deny")
ANYWHERE_WORDS = re.compile(
    r"\b(any ?where(?! (near|close|nearby|round|around|local))|rather not (say|tell)|prefer not to (say|tell)"
    r"|(do ?n[o']?t|dont) want to (say|tell)|not (saying|telling)|nationally|nationwide|whole country)\b",
    re.IGNORECASE,
)
MAX_CHARS = 200
NATIONS_WITH_OWN_HELPLINE = ("Wales", "Scotland", "Northern Ireland")
SHOW_MORE_BUTTON = {"title": "Show more", "payload": f"/{SHOW_MORE}"}

ASK_WHERE = (
    "Where should I look? A town, a London borough or the first part of a postcode (like SE15) is enough. "
    "Please don't give your full address. If you'd rather not say, just say \"anywhere\" and I'll give you "
    "national services."
)
UNKNOWN_PLACE = (
    "I didn't recognise that place, but that's OK. Could you tell me the town, the London borough or the "
    "first part of the postcode (like SE15)? Or say \"anywhere\" for national services."
)
NOTHING_FOUND = (
    "I couldn't find {what}services for {where} in Haven's directory, so I won't guess. "
    "These free national services can put you in touch with help near you:"
)
DIRECTORY_DOWN = (
    "I can't search for local services right now, so I won't guess. "
    "These free national services can put you in touch with help near you{where}:"
)
NO_MORE = "That's all the {what}services I have for {where}."


@dataclass(frozen=True)
class Request:
    """Where to look and which page: `location` is a district, a place name, ANYWHERE or None."""

    location: Optional[str]
    unknown_place: bool = False
    start: int = 0


def _entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(value) for value in tracker.get_latest_entity_values(entity) if value]


def resolve_location(tracker: Tracker) -> Tuple[Optional[str], bool]:
    """The place to remember (a postcode district or a place name) and whether one was mentioned.

    A full postcode is cut to its district here, before anything is stored in a slot.
    """
    gazetteer = default_gazetteer()
    mentioned = _entity_values(tracker, "location")
    text = tracker.latest_message.get("text") or ""
    for candidate in [*mentioned, text]:
        district = gazetteer.postcode_district(candidate)
        if district:
            return district, True
    for candidate in mentioned:
        place = gazetteer.resolve(candidate)
        if place:
            return place.name, True
    return None, bool(mentioned)


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def wants_anywhere(tracker: Tracker) -> bool:
    """Whether the survivor would rather not say where they are ("anywhere", "I'd rather not say", skip)."""
    text = str(tracker.latest_message.get("text") or "")[:MAX_CHARS]
    return _intent(tracker) in DECLINING_INTENTS or bool(ANYWHERE_WORDS.search(text))


def read_request(tracker: Tracker) -> Request:
    """Where to look: "show more" continues the last search (unless it names a new place); otherwise the
    place in the message, "anywhere", or the place given earlier."""
    shown = tracker.get_slot(SHOWN_SLOT)
    location, mentioned = resolve_location(tracker)
    last_place = tracker.get_slot("location")
    if _intent(tracker) == SHOW_MORE and shown is not None and location in (None, last_place):
        return Request(last_place, start=max(0, int(shown)))
    if location:
        return Request(location)
    if wants_anywhere(tracker):
        return Request(ANYWHERE)
    if mentioned:
        return Request(None, unknown_place=True)
    return Request(last_place)


def _place(location: Optional[str]) -> Optional[Place]:
    if not location or location == ANYWHERE:
        return None
    return default_gazetteer().resolve(location)


def _nations(location: Optional[str]) -> Tuple[str, ...]:
    place = _place(location)
    return place.nations if place else ()


def _unique(lines: Iterable[Helpline]) -> List[Helpline]:
    seen: Dict[str, Helpline] = {}
    for line in lines:
        seen.setdefault(line.key, line)
    return list(seen.values())


def national_routes(location: Optional[str], need: Optional[str], who_for: Optional[str]) -> List[Helpline]:
    """The helplines that fit: the 24-hour helpline first, then nation, group and need."""
    routes = [national_helpline()]
    for nation in _nations(location)[:1]:
        if nation in NATIONS_WITH_OWN_HELPLINE:
            routes.extend(helplines_serving(nation))
    for tag in (who_for, need):
        if tag:
            routes.extend(helplines_serving(tag))
    return _unique(routes)


def _routes_text(intro: str, location: Optional[str], need: Optional[str], who_for: Optional[str]) -> str:
    lines = "\n".join(f"• {route.describe()}" for route in national_routes(location, need, who_for))
    return f"{intro}\n{lines}\n{IN_DANGER}"


def _canonical(tracker: Tracker, slot: str, canonicalise: Any) -> Optional[str]:
    value = tracker.get_slot(slot)
    return canonicalise(str(value)) if value else None


def _where(location: str) -> str:
    return "anywhere in the UK" if location == ANYWHERE else location


def _what(need: Optional[str]) -> str:
    words = need_words(need)
    return f"{words} " if words else ""


class ActionFindServices(Action):
    """Answers "is there a refuge near me" from the services directory, honestly."""

    def name(self) -> Text:
        return "action_find_services"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        request = read_request(tracker)
        helpline = helpline_text(national_helpline())
        if request.unknown_place or not request.location:
            dispatcher.utter_message(text=f"{UNKNOWN_PLACE if request.unknown_place else ASK_WHERE}\n{helpline}")
            return [SlotSet("location", None), SlotSet(SHOWN_SLOT, None)]
        need = _canonical(tracker, "need", canonical_need)
        who_for = _canonical(tracker, "who_for", canonical_who_for)
        try:
            matches = await asyncio.to_thread(self._search, request.location, need, who_for)
        except SQLAlchemyError:
            logger.exception("The services directory could not be searched; giving national routes.")
            where = f" in {request.location}" if request.location != ANYWHERE else ""
            intro = DIRECTORY_DOWN.format(where=where)
            dispatcher.utter_message(text=_routes_text(intro, request.location, need, who_for))
            return [SlotSet("location", request.location), SlotSet(SHOWN_SLOT, None)]
        shown = self._answer(dispatcher, request, matches, need, who_for)
        logger.info("Directory: %d matches, showed up to %d (need=%s, who_for=%s).", len(matches), shown, need, who_for)
        return [SlotSet("location", request.location), SlotSet(SHOWN_SLOT, float(shown))]

    @staticmethod
    def _search(location: str, need: Optional[str], who_for: Optional[str]) -> List[Match]:
        chain = default_areas().chain(_place(location))
        return search(default_engine(), chain, need=need, who_for=who_for)

    @staticmethod
    def _answer(
        dispatcher: CollectingDispatcher,
        request: Request,
        matches: List[Match],
        need: Optional[str],
        who_for: Optional[str],
    ) -> int:
        """Utters the page of results (or why there is none) and returns how many have now been shown."""
        location = str(request.location)
        where, what = _where(location), _what(need)
        page = matches[request.start : request.start + PAGE_SIZE]
        helpline = helpline_text(national_helpline())
        if not matches:
            intro = NOTHING_FOUND.format(what=what or "any ", where=where)
            dispatcher.utter_message(text=_routes_text(intro, location, need, who_for))
            return 0
        if not page:
            dispatcher.utter_message(text=f"{NO_MORE.format(what=what, where=where)}\n{helpline}")
            return len(matches)
        first = request.start == 0
        heading = f"Here are {what}services for {where}:" if first else f"More {what}services for {where}:"
        dispatcher.utter_message(text=results_text(page, heading))
        shown = request.start + len(page)
        buttons = [SHOW_MORE_BUTTON] if shown < len(matches) else []
        dispatcher.utter_message(text=helpline, buttons=buttons)
        return shown
