"""spaCy entity-ruler patterns for Haven's entities: `location`, `need` and `who_for`.

Built from the gazetteer and `bot.nlp.vocabulary`, never written by hand, so the entities the NLU
finds are exactly the places and needs the actions can resolve. The labels are lowercase because
they become Rasa entity names.

Place names match in any case ("croydon", "CROYDON"), except the ones that are also everyday
English words ("he keeps reading my messages", "I need a bath"): those match only as written in
the data, capitalised ("I live in Reading"). Postcodes match as token regexes built from the real
postcode areas and London districts, in any case, as a full postcode ("se15 4ab"), glued
("se154ab") or as a district alone ("se15").
"""

import logging
import re
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Sequence, Set

from bot.nlp.gazetteer import INWARD, TEXT_SPEAK_DISTRICTS, Gazetteer, Place, normalise
from bot.nlp.vocabulary import NEEDS, WHO_FOR

logger = logging.getLogger(__name__)

LOCATION = "location"
NEED = "need"
WHO_FOR_LABEL = "who_for"
POSTCODE_ID = "postcode"

AMBIGUOUS_PLACE_NAMES: FrozenSet[str] = frozenset(
    {
        # towns (and town aliases)
        "Reading",
        "Bath",
        "Wells",
        "March",
        "Deal",
        "Sale",
        "Hope",
        "Street",
        "Battle",
        "Bury",
        "Ware",
        "Eye",
        "Rye",
        "Looe",
        "Wool",
        "Wick",
        "Mold",
        "Flint",
        "Leek",
        "Rugby",
        "Cardigan",
        "Grays",
        "Barrow",
        # London places
        "Barking",
        "Bow",
        "Angel",
        "Bank",
        "Borough",
        "Temple",
        "Oval",
        "Poplar",
        "Archway",
        "Welling",
        "Whetstone",
        "Custom House",
        # counties, county abbreviations and aliases
        "Down",
        "Borders",
        "City",
        "Jersey",
        "Beds",
        "Bucks",
        "Herts",
        "Staffs",
        "Wilts",
    }
)
"""Place names that are also everyday words (or very common in other senses): matched only when
capitalised as a name. Compared after normalising, so "the City" is covered by "City"."""

AMBIGUOUS_KEYS: FrozenSet[str] = frozenset(normalise(name) for name in AMBIGUOUS_PLACE_NAMES)

SAINT = re.compile(r"\bSt\b\.?\s")


def is_ambiguous(surface: str) -> bool:
    """Whether a place name is also an everyday word, and so must be capitalised to count."""
    return normalise(surface) in AMBIGUOUS_KEYS


def surface_variants(surface: str) -> List[str]:
    """The ways a name gets typed: "Stoke-on-Trent" / "stoke on trent", "King's" / "Kings",
    "&" / "and", "St" / "St." / "Saint"."""
    variants = [surface, surface.replace("-", " ")]
    variants += [variant.replace("'", "").replace("\u2019", "") for variant in variants]
    variants += [variant.replace(" & ", " and ") for variant in variants]
    variants += [variant.replace(" and ", " & ") for variant in variants]
    for replacement in ("St. ", "Saint "):
        variants += [SAINT.sub(replacement, variant) for variant in variants]
    unique: Dict[str, str] = {}
    for variant in variants:
        variant = " ".join(variant.split())
        unique.setdefault(variant.lower(), variant)
    return list(unique.values())


def _token_pattern(surface: str) -> List[Dict[str, Any]]:
    """Capitalised words must match exactly (ORTH); small words like "the" in any case."""
    return [{"ORTH": word} if word[:1].isupper() else {"LOWER": word.lower()} for word in surface.split()]


def place_patterns(gazetteer: Gazetteer) -> Iterator[Dict[str, Any]]:
    """One pattern per way of typing each place name; `id` is the place it resolves to."""
    seen: Set[str] = set()
    for surface, place in gazetteer.names():
        for variant in surface_variants(surface):
            if variant.lower() in seen or gazetteer.lookup(variant) != place:
                continue
            seen.add(variant.lower())
            yield _place_pattern(variant, place)


def _place_pattern(variant: str, place: Place) -> Dict[str, Any]:
    if is_ambiguous(variant):
        return {"label": LOCATION, "pattern": _token_pattern(variant), "id": place.name}
    return {"label": LOCATION, "pattern": variant, "id": place.name}


def postcode_patterns(gazetteer: Gazetteer) -> List[Dict[str, Any]]:
    """Full ("se15 4ab"), glued ("se154ab") and district-only ("se15") postcodes, any case.

    Text-speak that looks like a district ("b4", "m8") counts alone only in capitals ("B4").
    """
    district = gazetteer.outward_pattern
    text_speak = "|".join(sorted(TEXT_SPEAK_DISTRICTS))
    any_case = "(?ai)"
    alone = [
        {"TEXT": {"REGEX": rf"{any_case}^(?!(?:{text_speak})$){district}$"}},
    ]
    alone_in_capitals = [{"TEXT": {"REGEX": rf"^(?:{text_speak.upper()})$"}}]
    full = [
        {"TEXT": {"REGEX": rf"{any_case}^{district}$"}},
        {"TEXT": {"REGEX": rf"{any_case}^{INWARD}$"}},
    ]
    glued = [{"TEXT": {"REGEX": rf"{any_case}^{district}{INWARD}$"}}]
    return [
        {"label": LOCATION, "pattern": pattern, "id": POSTCODE_ID}
        for pattern in (full, glued, alone, alone_in_capitals)
    ]


def vocabulary_patterns(label: str, table: Mapping[str, Sequence[str]]) -> Iterator[Dict[str, Any]]:
    """Phrase patterns for every surface form of a need or who-for group; `id` is the canonical value.

    Only the listed forms: a bare canonical value can be an everyday word ("my older brother",
    "my children are asleep").
    """
    for canonical, forms in table.items():
        for form in _unique_lower(forms):
            yield {"label": label, "pattern": form, "id": canonical}


def _unique_lower(forms: Iterable[str]) -> List[str]:
    return list(dict.fromkeys(form.lower() for form in forms))


def build_patterns(gazetteer: Gazetteer) -> List[Dict[str, Any]]:
    """All entity-ruler patterns: postcodes, place names, needs and who-for groups."""
    patterns = [
        *postcode_patterns(gazetteer),
        *place_patterns(gazetteer),
        *vocabulary_patterns(NEED, NEEDS),
        *vocabulary_patterns(WHO_FOR_LABEL, WHO_FOR),
    ]
    logger.debug("Built %d entity patterns.", len(patterns))
    return patterns
