"""Areas: from a place a survivor named to the coverage keys a service can be listed under.

A service covers areas named by keys like "borough:Lambeth", "county:Kent", "region:North West",
"nation:Wales" or "uk". A place resolves (with the gazetteer) to its chain of keys, most specific
first: SE11 -> district SE11, borough Lambeth, area SE, Greater London, region London, England, UK.
So a service covering Lambeth is found from "SE11", "Brixton" or "Lambeth", and one covering Kent
from "Maidstone". Outside London, a postcode district reaches its county through its postcode
area's post town (ME -> Medway's county) where the gazetteer knows that town.
"""

import logging
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from bot.nlp.gazetteer import Gazetteer, Place, default_gazetteer, normalise

logger = logging.getLogger(__name__)

UK = "uk"
UK_NAMES = frozenset({"uk", "united kingdom", "national", "anywhere", "anywhere in uk", "great britain", "gb"})
LOCAL_KINDS = ("postcode_district", "london_place", "borough", "postcode_area", "town", "county")
MAX_CHARS = 120


def key(kind: str, name: str) -> str:
    """The coverage key of one area."""
    return f"{kind}:{name}"


class Areas:
    """Coverage keys for places, built on the gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._area_codes: Dict[str, str] = {place.name: code for code, place in gazetteer.areas.items()}

    def coverage_key(self, name: str) -> Optional[str]:
        """The key for an area a charity writes in its list ("Lambeth", "SE11", "SE", "Kent", "UK").

        Exact names and aliases only, never a guessed spelling: a typo in the list must be reported,
        not quietly read as somewhere else.
        """
        text = (name or "").strip()[:MAX_CHARS]
        if not text:
            return None
        if normalise(text) in UK_NAMES:
            return UK
        if text.upper() in self.gazetteer.areas:
            return key("postcode_area", text.upper())
        if self.gazetteer.is_district(text):
            return key("postcode_district", text.upper())
        place = self.gazetteer.lookup(text)
        return self.own_key(place) if place else None

    def own_key(self, place: Place) -> str:
        """The key of the place itself (its postcode area by code)."""
        if place.kind == "postcode_area":
            return key("postcode_area", self._area_codes[place.name])
        return key(place.kind, place.name)

    def chain(self, place: Optional[Place]) -> List[str]:
        """Every key that covers `place`, most specific first, ending with "uk". None means anywhere."""
        if place is None:
            return [UK]
        keys = [self.own_key(place)]
        keys.extend(key("borough", borough) for borough in place.boroughs)
        if place.kind == "postcode_district":
            keys.extend(self._district_extras(place))
        if place.county:
            keys.append(key("county", place.county))
        county = self.gazetteer.counties.get(place.county)
        if county and county.region != place.region:
            keys.append(key("region", county.region))
        keys.append(key("region", place.region))
        keys.extend(key("nation", nation) for nation in place.nations)
        keys.append(UK)
        return list(dict.fromkeys(keys))

    def _district_extras(self, place: Place) -> List[str]:
        """A district's postcode area, and outside London its post town and that town's county."""
        code = place.name[: 2 if place.name[1].isalpha() else 1]
        extras = [key("postcode_area", code)]
        if place.boroughs:
            return extras
        town = self.gazetteer.towns.get(self.gazetteer.areas[code].name)
        if town and town.nations == place.nations:
            extras.extend([key("town", town.name), key("county", town.county)])
        return extras

    def describe(self, place: Optional[Place]) -> str:
        """How to name the place back to the survivor: "SE15", "Croydon", or "the UK"."""
        return place.name if place else "the UK"


def positions(chain: List[str]) -> Dict[str, int]:
    """Each key of `chain` and its place in it (0 = most specific)."""
    return {area: index for index, area in enumerate(chain)}


def specificity(chain_positions: Dict[str, int], keys: Tuple[str, ...]) -> int:
    """How closely a service's areas fit: the position of its most specific key in the chain."""
    return min((chain_positions[area] for area in keys if area in chain_positions), default=len(chain_positions))


@lru_cache(maxsize=1)
def default_areas() -> Areas:
    """Areas over the default gazetteer, built once per process."""
    return Areas(default_gazetteer())
