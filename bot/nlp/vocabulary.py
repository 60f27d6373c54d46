"""What people ask for, and who they ask for it for: canonical values and the ways people say them.

One table feeds the spaCy entity patterns (`bot.nlp.patterns`), the Rasa synonyms
(`data/nlu/synonyms.yml`) and the actions (`canonical_need`, `canonical_who_for`), so the three can
never disagree. Canonical values match the `serves` tags in `data/facts/helplines.csv`.

Surface forms are lowercase. Bare words that usually mean something else in a survivor's message
are left out on purpose: "man"/"woman" ("a man is outside"), "black" ("a black eye"), "older"
("my older brother"), "child support" (maintenance payments in the UK).
"""

import logging
import re
from typing import Dict, List, Mapping, Optional, Sequence

logger = logging.getLogger(__name__)

NEEDS: Dict[str, List[str]] = {
    "refuge": [
        "refuge",
        "refuges",
        "safe house",
        "safe houses",
        "shelter",
        "shelters",
        "women's refuge",
        "womens refuge",
        "domestic violence refuge",
        "emergency accommodation",
        "emergency housing",
        "somewhere safe to stay",
        "somewhere safe to live",
        "somewhere to stay",
        "a safe place to stay",
        "safe place to stay",
        "place to stay",
        "a place to stay",
    ],
    "idva": [
        "idva",
        "idvas",
        "independent domestic violence adviser",
        "independent domestic violence advisor",
        "independent domestic violence advisers",
        "independent domestic violence advisors",
        "domestic abuse advocate",
        "domestic violence advocate",
        "dv advocate",
        "advocate",
        "advocacy",
    ],
    "outreach": [
        "outreach",
        "outreach worker",
        "outreach support",
        "outreach service",
        "community support",
        "floating support",
        "support worker",
        "someone to visit me",
    ],
    "counselling": [
        "counselling",
        "counseling",
        "counsellor",
        "counselor",
        "counsellors",
        "therapy",
        "therapist",
        "talking therapy",
        "talking therapies",
    ],
    "legal_advice": [
        "legal advice",
        "legal help",
        "legal support",
        "solicitor",
        "solicitors",
        "lawyer",
        "lawyers",
        "family lawyer",
        "legal aid",
    ],
    "helpline": [
        "helpline",
        "helplines",
        "help line",
        "phone line",
        "hotline",
        "someone to call",
        "number to call",
    ],
    "children": [
        "support for my children",
        "support for my kids",
        "support for my child",
        "help for my children",
        "help for my kids",
        "help for my child",
        "children's services",
        "childrens services",
        "kids support",
        "support for children",
    ],
    "specialist_group": [
        "support group",
        "support groups",
        "peer support",
        "group support",
        "freedom programme",
        "recovery group",
        "group",
    ],
}
"""Need type -> how people say it. "group" alone counts: "is there a group I can join"."""

WHO_FOR: Dict[str, List[str]] = {
    "women": [
        "women",
        "womens",
        "women's",
        "female",
        "females",
        "women only",
        "for women",
        "i'm a woman",
        "im a woman",
        "i am a woman",
        "as a woman",
    ],
    "men": [
        "men",
        "mens",
        "men's",
        "male",
        "males",
        "male survivor",
        "male victim",
        "for men",
        "i'm a man",
        "im a man",
        "i am a man",
        "as a man",
    ],
    "lgbt": [
        "lgbt",
        "lgbtq",
        "lgbtq+",
        "lgbt+",
        "lgbtqia",
        "lgbtqia+",
        "gay",
        "lesbian",
        "trans",
        "transgender",
        "bisexual",
        "queer",
        "non-binary",
        "non binary",
        "nonbinary",
        "same sex",
        "same-sex",
    ],
    "black_minoritised": [
        "black and minoritised",
        "black women",
        "black woman",
        "black survivors",
        "black led",
        "i'm black",
        "i am black",
        "bme",
        "bame",
        "minoritised",
        "minoritized",
        "ethnic minority",
        "ethnic minorities",
        "asian",
        "south asian",
        "asian women",
        "african",
        "caribbean",
        "latin american",
    ],
    "deaf_disabled": [
        "deaf",
        "disabled",
        "disability",
        "disabilities",
        "hard of hearing",
        "bsl",
        "british sign language",
        "sign language",
        "wheelchair user",
        "wheelchair",
        "learning disability",
        "learning disabilities",
        "blind",
        "visually impaired",
        "autistic",
    ],
    "older": [
        "older people",
        "older person",
        "older women",
        "older woman",
        "older men",
        "older adults",
        "elderly",
        "pensioner",
        "pensioners",
        "over 60",
        "over 60s",
        "over 65",
        "over 70",
        "retired",
    ],
    "young": [
        "young people",
        "young person",
        "young women",
        "young woman",
        "young men",
        "teenager",
        "teenagers",
        "teen",
        "teens",
        "under 18",
        "under 18s",
        "under 25",
        "youth",
        "i'm 16",
        "i'm 17",
        "im 16",
        "im 17",
    ],
}
"""Who-for group -> how people say it. Canonical values match helplines.csv `serves` tags."""

APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`']")
NOT_WORD = re.compile(r"[^a-z0-9+]+")
MAX_CHARS = 100
"""A need or group is a few words; anything longer is not looked up."""


def normalise(text: str) -> str:
    """One key for "Women's", "womens" and "  WOMEN'S ": lowercase, no apostrophes, single spaces."""
    text = APOSTROPHES.sub("", text[:MAX_CHARS].lower())
    return NOT_WORD.sub(" ", text).strip()


def _index(table: Mapping[str, Sequence[str]]) -> Dict[str, str]:
    index: Dict[str, str] = {}
    for canonical, forms in table.items():
        for form in (canonical, canonical.replace("_", " "), *forms):
            index.setdefault(normalise(form), canonical)
    return index


NEED_INDEX = _index(NEEDS)
WHO_FOR_INDEX = _index(WHO_FOR)


def canonical_need(text: str) -> Optional[str]:
    """The need type a phrase or slot value names ("safe house" -> "refuge"), or None."""
    return NEED_INDEX.get(normalise(text)) if text else None


def canonical_who_for(text: str) -> Optional[str]:
    """The who-for group a phrase or slot value names ("gay" -> "lgbt"), or None."""
    return WHO_FOR_INDEX.get(normalise(text)) if text else None
