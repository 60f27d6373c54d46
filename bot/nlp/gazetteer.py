"""The UK gazetteer: postcodes, London boroughs and places, counties and towns, from data/gazetteer/.

Used to read a place out of what a survivor typed ("se15 4ab", "croydn", "Tower Hamlets") and to know
which nation, region and London borough it is in, so the right helplines can be offered. It works
offline from the CSV files in the repo and never raises on odd input: the text comes from a chat.

Resolution order, first hit wins: a postcode or district, a London borough (or alias), a London
place, a town, a county, a nation, an English region ("North West"), a postcode area's name
("East London"); then the same names with a small misspelling. Towns come before counties because
a name that is both ("Cardiff", "Armagh") is more often the town.
"""

import csv
import difflib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Tuple

from bot.settings import ROOT

logger = logging.getLogger(__name__)

GAZETTEER_DIR = ROOT / "data" / "gazetteer"

KINDS: FrozenSet[str] = frozenset(
    {"postcode_area", "postcode_district", "borough", "london_place", "county", "town", "region", "nation"}
)
LONDON = "London"
GREATER_LONDON = "Greater London"
ENGLAND = "England"
WALES = "Wales"

MAX_CHARS = 200
"""Only the start of a message is looked at: a place is never longer, and junk can be huge."""
FUZZY_CUTOFF = 0.85
SHORT_FUZZY_CUTOFF = 0.9
SHORT_KEY = 6
FUZZY_MIN_LETTERS = 4
FUZZY_MAX_CHARS = 40
"""Misspellings are only guessed for inputs of four letters or more, and more strictly below six:
one letter off a four-letter word is too easy ("bent" is not Brent, "cows" is not Cowes)."""

LONDON_ONLY_AREAS: FrozenSet[str] = frozenset({"E", "EC", "N", "NW", "SE", "SW", "W", "WC"})
"""Postcode areas wholly in London: their districts are checked against london_districts.csv."""

OUTSIDE_LONDON_REGION: Dict[str, str] = {
    "BR": "South East",
    "CR": "South East",
    "EN": "East of England",
    "IG": "East of England",
    "KT": "South East",
    "RM": "East of England",
    "SM": "South East",
    "TW": "South East",
}
"""Outer London areas reach into the home counties: a district not in london_districts.csv
(CR3 Caterham, TW18 Staines, RM16 Grays...) is in this region instead."""

WELSH_DISTRICTS: FrozenSet[str] = frozenset(
    {"CH5", "CH6", "CH7", "CH8", *(f"SY{number}" for number in range(15, 26))}
)
"""Districts of the cross-border CH (Chester) and SY (Shrewsbury) areas that are in Wales
(Deeside, Flintshire; Montgomeryshire, Ceredigion)."""

TEXT_SPEAK_DISTRICTS: FrozenSet[str] = frozenset({"b4", "l8", "m8", "w8", "ne1"})
"""Text-speak that looks like a district ("b4" = before, "m8" = mate, "ne1" = anyone). Alone and in
lowercase these are read as words; "B4" in capitals, or with an inward code, is a postcode."""

INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"
"""The inward code: a digit and two letters (never C, I, K, M, O or V)."""
POSTCODE_IN_TEXT = re.compile(
    rf"(?<![A-Z0-9])(?P<outward>[A-Z]{{1,2}}[0-9][A-Z0-9]?)(?:\s*(?P<inward>{INWARD}))?(?![A-Z0-9])",
    re.IGNORECASE | re.ASCII,
)

NOT_WORD = re.compile(r"[^a-z0-9]+")
APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
DROPPED_WORDS: FrozenSet[str] = frozenset({"the"})
NAME_PREFIXES: Tuple[str, ...] = ("london borough of ", "royal borough of ", "borough of ")
NAME_SUFFIXES: Tuple[str, ...] = (" council", " area")


@dataclass(frozen=True)
class Place:
    """A resolved place. `nations` lists every nation it covers, the main one first."""

    name: str
    kind: str
    nations: Tuple[str, ...]
    region: str
    boroughs: Tuple[str, ...] = ()
    county: str = ""


def normalise(text: str) -> str:
    """One key for "St. Albans", "st albans" and "Saint Albans"; "&" is "and"; "the" is dropped."""
    text = APOSTROPHES.sub("", text[:MAX_CHARS])
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("&", " and ")
    words = [word for word in NOT_WORD.split(text) if word and word not in DROPPED_WORDS]
    key = " ".join("st" if word == "saint" else word for word in words)
    for prefix in NAME_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
    for suffix in NAME_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    return key


def _split(value: Optional[str]) -> Tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(";") if part.strip())


def _read(directory: Path, name: str) -> List[Dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def _letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


def _area_of(district: str) -> str:
    return district[: 2 if district[1].isalpha() else 1]


class Gazetteer:
    """Places of the UK, loaded from data/gazetteer/, and the look-ups the bot needs."""

    def __init__(
        self,
        areas: Mapping[str, Place],
        london_districts: Mapping[str, Tuple[str, ...]],
        boroughs: Mapping[str, Tuple[str, ...]],
        london_places: Mapping[str, str],
        counties: List[Tuple[Place, Tuple[str, ...]]],
        towns: List[Tuple[Place, Tuple[str, ...]]],
        nations: List[Tuple[Place, Tuple[str, ...]]],
        regions: List[Tuple[Place, Tuple[str, ...]]],
    ) -> None:
        self.areas: Dict[str, Place] = dict(areas)
        self.london_districts: Dict[str, Tuple[str, ...]] = dict(london_districts)
        self.borough_aliases: Dict[str, Tuple[str, ...]] = dict(boroughs)
        self.london_places: Dict[str, str] = dict(london_places)
        self.counties: Dict[str, Place] = {place.name: place for place, _ in counties}
        self.towns: Dict[str, Place] = {place.name: place for place, _ in towns}
        self._surfaces: List[Tuple[str, Place]] = []
        self._index: Dict[str, Place] = {}
        for name, aliases in boroughs.items():
            self._add(self.borough(name), (name, *aliases))
        for name, borough in london_places.items():
            place = Place(name, "london_place", (ENGLAND,), LONDON, (borough,), GREATER_LONDON)
            self._add(place, (name,))
        self.regions: Dict[str, Place] = {place.name: place for place, _ in regions}
        for place, aliases in (*towns, *counties, *nations, *regions):
            self._add(place, (place.name, *aliases))
        for area in self.areas.values():
            self._add(area, (area.name,))
        self._fuzzy_keys = [key for key in self._index if _letters(key) >= FUZZY_MIN_LETTERS]
        self._groups = self._sub_district_groups()
        self.outward_pattern = self._outward_pattern()
        self._outward = re.compile(self.outward_pattern, re.IGNORECASE | re.ASCII)

    @classmethod
    def load(cls, directory: Path = GAZETTEER_DIR) -> "Gazetteer":
        """Reads the eight CSV files of `directory`."""
        areas = {
            row["code"]: Place(row["name"], "postcode_area", _split(row["nations"]), row["region"])
            for row in _read(directory, "postcode_areas.csv")
        }
        districts = {
            row["district"]: _split(row["boroughs"]) for row in _read(directory, "london_districts.csv")
        }
        boroughs = {row["name"]: _split(row["aliases"]) for row in _read(directory, "london_boroughs.csv")}
        places = {row["place"]: row["borough"] for row in _read(directory, "london_places.csv")}
        counties = [
            (
                Place(row["name"], "county", (row["nation"],), row["region"], county=row["name"]),
                _split(row["aliases"]),
            )
            for row in _read(directory, "counties.csv")
        ]
        towns = [
            (
                Place(row["name"], "town", (row["nation"],), row["region"], county=row["county"]),
                _split(row["aliases"]),
            )
            for row in _read(directory, "towns.csv")
        ]
        nations = [
            (Place(row["name"], "nation", (row["name"],), row["name"]), _split(row["aliases"]))
            for row in _read(directory, "nations.csv")
        ]
        regions = [
            (Place(row["name"], "region", (row["nation"],), row["name"]), _split(row["aliases"]))
            for row in _read(directory, "regions.csv")
        ]
        gazetteer = cls(areas, districts, boroughs, places, counties, towns, nations, regions)
        logger.debug("Loaded gazetteer from %s: %d names.", directory, gazetteer.name_count)
        return gazetteer

    @property
    def name_count(self) -> int:
        """How many distinct names (normalised) the gazetteer recognises: logged on load, to spot missing data."""
        return len(self._index)

    def _add(self, place: Place, surfaces: Tuple[str, ...]) -> None:
        for surface in surfaces:
            key = normalise(surface)
            if key:
                self._index.setdefault(key, place)
                self._surfaces.append((surface, place))

    def _outward_pattern(self) -> str:
        """A regex for a valid outward code (district), built from the real areas and London districts."""
        numbered = sorted(
            (code for code in self.areas if code not in LONDON_ONLY_AREAS), key=lambda c: (-len(c), c)
        )
        london = sorted(
            {d for d in self.london_districts if _area_of(d) in LONDON_ONLY_AREAS} | set(self._groups),
            key=lambda d: (-len(d), d),
        )
        return rf"(?:(?:{'|'.join(numbered)})[0-9]{{1,2}}|{'|'.join(london)})"

    def _sub_district_groups(self) -> Dict[str, List[str]]:
        """ "W1" -> W1A...W1W: central districts people often give without their letter."""
        groups: Dict[str, List[str]] = {}
        for district in self.london_districts:
            if district[-1].isalpha() and district[:-1] not in self.london_districts:
                groups.setdefault(district[:-1], []).append(district)
        return groups

    def borough(self, name: str) -> Place:
        """The Place of a London borough, by its exact name."""
        return Place(name, "borough", (ENGLAND,), LONDON, (name,), GREATER_LONDON)

    def is_district(self, outward: str) -> bool:
        """Whether `outward` ("SE15", "m1") is a real postcode district."""
        return bool(self._outward.fullmatch(outward.strip()))

    def postcode_district(self, text: str) -> Optional[str]:
        """The district of the first full or partial postcode in `text`, upper-cased ("SE15"), or None."""
        if not text:
            return None
        for match in POSTCODE_IN_TEXT.finditer(text[:MAX_CHARS]):
            outward, inward = match.group("outward"), match.group("inward")
            if not inward and outward.islower() and outward in TEXT_SPEAK_DISTRICTS:
                continue
            if self.is_district(outward):
                return outward.upper()
        return None

    def district(self, district: str) -> Optional[Place]:
        """The Place of a district ("SE15", "W1", "M1"): London ones carry their boroughs."""
        district = district.strip().upper()
        if not self.is_district(district):
            return None
        area = self.areas[_area_of(district)]
        boroughs = self.london_districts.get(district) or self._group_boroughs(district)
        if boroughs:
            return Place(district, "postcode_district", (ENGLAND,), LONDON, boroughs, GREATER_LONDON)
        if district in WELSH_DISTRICTS:
            return Place(district, "postcode_district", (WALES,), WALES)
        region = OUTSIDE_LONDON_REGION.get(_area_of(district), area.region)
        return Place(district, "postcode_district", area.nations, region)

    def _group_boroughs(self, district: str) -> Tuple[str, ...]:
        boroughs: Dict[str, None] = {}
        for sub_district in self._groups.get(district, []):
            boroughs.update(dict.fromkeys(self.london_districts[sub_district]))
        return tuple(boroughs)

    def lookup(self, text: str) -> Optional[Place]:
        """The place a name or alias names exactly (after normalising), without guessing."""
        return self._index.get(normalise(text)) if text else None

    def resolve(self, text: str) -> Optional[Place]:
        """The place `text` names: a postcode, a name or alias, or a near-miss spelling of one."""
        if not text or not isinstance(text, str):
            return None
        text = text[:MAX_CHARS]
        district = self.postcode_district(text)
        if district:
            return self.district(district)
        key = normalise(text)
        if not key:
            return None
        if key in self._index:
            return self._index[key]
        return self._near_miss(key)

    def _near_miss(self, key: str) -> Optional[Place]:
        if len(key) > FUZZY_MAX_CHARS or _letters(key) < FUZZY_MIN_LETTERS:
            return None
        cutoff = FUZZY_CUTOFF if len(key) >= SHORT_KEY else SHORT_FUZZY_CUTOFF
        matches = difflib.get_close_matches(key, self._fuzzy_keys, n=1, cutoff=cutoff)
        if matches:
            logger.debug("Read %r as %r.", key, matches[0])
            return self._index[matches[0]]
        return None

    def names(self) -> Iterator[Tuple[str, Place]]:
        """Every place name and alias as written in the data, with the Place it resolves to.

        A name that two places share ("Cardiff" the town and the county) is given once, for the
        place `resolve` picks, so patterns and resolution agree.
        """
        seen = set()
        for surface, place in self._surfaces:
            if self._index.get(normalise(surface)) == place and surface.lower() not in seen:
                seen.add(surface.lower())
                yield surface, place


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer of data/gazetteer/, loaded once per process."""
    return Gazetteer.load()
