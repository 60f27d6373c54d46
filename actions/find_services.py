"""Finding help: `action_find_services`.

The local services directory is not connected yet, so this action says so and gives the national
routes that fit: the 24-hour helpline always, the nation's own helpline in Wales, Scotland and
Northern Ireland, and specialist lines for the group or need the survivor named. It never lists a
local service it cannot vouch for. Only a postcode district or a place name is kept in the slot.
"""

import logging
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.facts import Helpline, helplines_serving, national_helpline
from bot.nlp.gazetteer import Place, default_gazetteer
from bot.nlp.vocabulary import canonical_need, canonical_who_for

logger = logging.getLogger(__name__)

NATIONS_WITH_OWN_HELPLINE = ("Wales", "Scotland", "Northern Ireland")
NO_LOCAL_SEARCH = (
    "I can't search for local services in this chat yet, so I won't guess. "
    "These free national services can put you in touch with help near you{where}:"
)
UNKNOWN_PLACE = "I didn't recognise that place, but that's OK. "
IN_DANGER = "If you are in danger now, call 999."


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


def _nations(location: Optional[str]) -> Tuple[str, ...]:
    if not location:
        return ()
    place: Optional[Place] = default_gazetteer().resolve(location)
    return place.nations if place else ()


def _unique(lines: Iterable[Helpline]) -> List[Helpline]:
    seen: Dict[str, Helpline] = {}
    for line in lines:
        seen.setdefault(line.key, line)
    return list(seen.values())


def national_routes(
    location: Optional[str], need: Optional[str], who_for: Optional[str]
) -> List[Helpline]:
    """The helplines that fit: the 24-hour helpline first, then nation, group and need."""
    routes = [national_helpline()]
    for nation in _nations(location)[:1]:
        if nation in NATIONS_WITH_OWN_HELPLINE:
            routes.extend(helplines_serving(nation))
    for tag in (who_for, need):
        if tag:
            routes.extend(helplines_serving(tag))
    return _unique(routes)


def _canonical(tracker: Tracker, slot: str, canonicalise: Any) -> Optional[str]:
    value = tracker.get_slot(slot)
    return canonicalise(str(value)) if value else None


class ActionFindServices(Action):
    """Answers "help near me" honestly with the national routes that fit."""

    def name(self) -> Text:
        return "action_find_services"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        location, mentioned = resolve_location(tracker)
        location = location or tracker.get_slot("location")
        need = _canonical(tracker, "need", canonical_need)
        who_for = _canonical(tracker, "who_for", canonical_who_for)
        routes = national_routes(location, need, who_for)
        intro = UNKNOWN_PLACE if mentioned and not location else ""
        where = f" in {location}" if location else ""
        lines = "\n".join(f"• {route.describe()}" for route in routes)
        dispatcher.utter_message(text=f"{intro}{NO_LOCAL_SEARCH.format(where=where)}\n{lines}\n{IN_DANGER}")
        logger.info("Gave %d national routes (need=%s, who_for=%s).", len(routes), need, who_for)
        return [SlotSet("location", location)]
