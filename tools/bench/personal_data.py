"""A generated test set of personal data, kind by kind, written the ways people write it in a chat.

Each generator takes a `random.Random` and returns a `Sample`: a message and the message as it must be
stored. The property tests (tests/privacy/test_redaction_recall.py) drive the generators with hypothesis;
the redaction benchmark (tools/bench/redaction.py) draws a seeded set from them and prints recall per kind.
Names, streets, houses and villages are invented from syllables, so the lists in data/names/ can't be what
finds them (except in "name from the lists", which draws from those lists on purpose).
"""

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, FrozenSet, List, Mapping, Sequence, Tuple

from spacy.lang.en.stop_words import STOP_WORDS

from bot.privacy.names import FIRST_NAMES_FILE, NAMES_DIR, NEVER, NOT_NAMES_FILE, SURNAMES_FILE, read_words

NAME = "[name]"
ADDRESS = "[address]"
DATE_OF_BIRTH = "[date of birth]"
PHONE = "[phone number]"
EMAIL = "[email]"

ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "tr", "zh", "th")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou")
CODAS = ("", "l", "n", "r", "s", "v", "x", "z", "rn", "nd", "lk")
ENDINGS = ("a", "o", "ek", "ina", "ara", "el", "ios", "yn", "ette", "ov")

RELATIVES = (
    "husband", "wife", "partner", "boyfriend", "girlfriend", "ex", "ex-husband", "ex-partner", "son", "daughter",
    "mum", "dad", "brother", "sister", "nan", "uncle", "cousin", "friend", "mate", "neighbour", "mother-in-law",
    "landlord",
)
POSSESSIVES = ("my", "his", "her", "our")
AFTER_A_NAME = (
    "hit me last night", "is outside", "took my phone", "says it's my fault", "won't let me leave",
    "knows where i am", "", "and i need help", "keeps texting me",
)
STREET_TYPES = ("Road", "Street", "Avenue", "Lane", "Crescent", "Gardens", "Terrace", "Mews", "Grove", "Close", "Drive")
OTHER_STREET_TYPES = ("Way", "Court", "Place", "Square", "Walk", "Rise", "Row", "Parade", "View", "Green", "Hill")
HOUSE_TYPES = ("Cottage", "House", "Farm", "Lodge", "Barn", "Villa", "Manor", "Mill", "Bungalow", "Grange")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)
UNIT_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
ORDINALS = (
    *UNIT_ORDINALS, "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", *(f"twenty{sep}{unit}" for sep, unit in
    zip((" ", "-") * 5, UNIT_ORDINALS, strict=False)), "thirtieth", "thirty first",
)
"""The days of a month in words, first to thirty first, as people write them ("twenty-second", "twenty third")."""
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ZERO_WORDS = ("oh", "oh", "zero", "o", "nought")
PROVIDERS = ("gmail", "hotmail", "yahoo", "outlook", "icloud", "btinternet", "protonmail", "example")
PLAIN_WORD_DOMAIN = "example"
"""Not a mail service: "x at example" alone is no address, and "x at example.com" needs some other sign."""
SUFFIXES = ("com", "co dot uk", "org", "net", "org dot uk", "me")


@dataclass(frozen=True)
class Sample:
    """A message with personal data in it, and exactly what must be stored instead."""

    text: str
    expected: str


@lru_cache(maxsize=1)
def never_names() -> FrozenSet[str]:
    """Words the redactor never takes for a name (bot.privacy.names): an invented name must not be one."""
    return read_words(NAMES_DIR / NOT_NAMES_FILE) | NEVER | frozenset(STOP_WORDS)


def invented_name(rng: random.Random) -> str:
    """A capitalised name nobody has, so no list can know it: "Brailek", "Zhouna"."""
    name = ""
    while not name or name in never_names():
        name = rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) + rng.choice(ENDINGS)
    return name.capitalize()


@lru_cache(maxsize=1)
def listed_names() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The shipped first names and surnames, sorted so a seed always draws the same ones."""
    return tuple(sorted(read_words(NAMES_DIR / FIRST_NAMES_FILE))), tuple(sorted(read_words(NAMES_DIR / SURNAMES_FILE)))


def any_case(rng: random.Random, word: str) -> str:
    return rng.choice((word.lower(), word.capitalize(), word.upper()))


def _filled(template: str, value: str, label: str) -> Sample:
    return Sample(template.format(value), template.format(label))


def introduction(rng: random.Random) -> Sample:
    """ "my name is Sarah", "I'm called Priya", "it's Kev here": an invented name, capitalised where the words
    before it don't say it is a name whatever its case."""
    name = invented_name(rng)
    strong = (
        "my name is {}", "hi my name's {} and i need help", "my name is {}, im scared", "I'm called {}",
        "im called {} and he's my ex", "hello, my name is {}.", "his name is {}",
    )
    weak = ("it's {} here", "its {} here, can you help", "this is {} speaking", "call me {}", "I'm {} and i need help")
    template = rng.choice(strong + weak)
    return _filled(template, any_case(rng, name) if template in strong else name, NAME)


def beside_a_relative(rng: random.Random) -> Sample:
    """ "my husband Kevin", "his mate Dave", "Kevin, my husband,": an invented, capitalised name."""
    name, relative = invented_name(rng), rng.choice(RELATIVES)
    possessive, rest = rng.choice(POSSESSIVES), rng.choice(AFTER_A_NAME)
    template = rng.choice(
        (
            f"{possessive} {relative} {{}} {rest}",
            f"{possessive} {relative}, {{}}, {rest}",
            f"i'm scared of {possessive} {relative} {{}}",
            f"{possessive} {relative} is called {{}}",
            f"i told {{}}, my {relative}, everything",
        )
    )
    return _filled(template.strip(), name, NAME)


def from_the_lists(rng: random.Random) -> Sample:
    """A first name from data/names in any case, or a first name and surname, anywhere in a message."""
    first_names, surnames = listed_names()
    first = rng.choice(first_names)
    name = any_case(rng, first) if rng.random() < 0.6 else f"{first.capitalize()} {rng.choice(surnames).capitalize()}"
    template = rng.choice(
        (
            "{} came round last night", "i told {} everything", "he said {} would help", "i'm staying with {}",
            "{} knows what he's like", "can {} come with me", "he hit {} too",
        )
    )
    return _filled(template, name, NAME)


def street_without_number(rng: random.Random) -> Sample:
    """ "I live on Marlborough Avenue", "we're at the flat on kings road"."""
    words = " ".join(invented_name(rng) for _ in range(rng.choice((1, 1, 2))))
    street = f"{words} {rng.choice(STREET_TYPES)}"
    template = rng.choice(
        (
            "I live on {}", "we're at the flat on {}", "he moved to {} last year", "she lives on {} near the shops",
            "im staying at my mums house on {}", "our house is on {}",
        )
    )
    if rng.random() < 0.3:
        return _filled(template, street.lower(), ADDRESS)
    if rng.random() < 0.3:
        street = f"{words} {rng.choice(OTHER_STREET_TYPES)}"
    return _filled(template, street, ADDRESS)


def house_and_village(rng: random.Random) -> Sample:
    """ "Rose Cottage, Mill Lane, Little Snoring", "we live at Brook Farm"."""
    house = f"{invented_name(rng)} {rng.choice(HOUSE_TYPES)}"
    street = f"{invented_name(rng)} {rng.choice(STREET_TYPES + OTHER_STREET_TYPES)}"
    village = rng.choice(("{}", "Little {}", "Great {}", "{} on {}")).format(invented_name(rng), invented_name(rng))
    address = rng.choice((f"{house}, {street}, {village}", f"{house}, {street}", f"{house} {street}"))
    template = rng.choice(("my address is {}", "{}", "we live at {} with the kids", "send it to {} please"))
    if rng.random() < 0.25:
        return _filled("we live at {} now", house, ADDRESS)
    return _filled(template, address, ADDRESS)


def date_of_birth(rng: random.Random) -> Sample:
    """ "born on the 14th of March 1987", "my birthday is the 3rd of May", "DOB 14/03/87"."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1940, 2010)
    month_name = rng.choice((MONTHS[month - 1], MONTHS[month - 1].lower(), MONTHS[month - 1][:3]))
    suffix = "th" if 4 <= day <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    the, date = rng.choice(
        (
            ("the ", f"{day}{suffix} of {month_name} {year}"), ("the ", f"{ORDINALS[day - 1]} of {month_name}"),
            ("", f"{day}/{month:02d}/{year}"), ("", f"{day:02d}.{month:02d}.{year % 100:02d}"),
            ("", f"{month_name} {day}{suffix}, {year}"), ("", f"{day} {month_name} {year}"),
            ("the ", f"{day}{suffix} of {month_name}"), ("", f"{month_name} {year}"),
        )
    )
    template = rng.choice(
        ("I was born on {}", "born {}", "my date of birth is {}", "my birthday is {}", "dob: {}", "DOB {} if needed")
    )
    return _filled(template.replace("{}", the + "{}"), date, DATE_OF_BIRTH)


def _spoken(rng: random.Random, digits: str) -> str:
    """Digits as people say them: word by word, "double oh", some groups left as digits."""
    parts: List[str] = []
    index = 0
    while index < len(digits):
        digit = digits[index]
        word = rng.choice(ZERO_WORDS) if digit == "0" else DIGIT_WORDS[int(digit)]
        if digits[index : index + 3] == digit * 3 and rng.random() < 0.5:
            parts.append(f"triple {word}")
            index += 3
        elif digits[index : index + 2] == digit * 2 and rng.random() < 0.7:
            parts.append(f"double {word}")
            index += 2
        elif index > 2 and rng.random() < 0.15:
            parts.append(digits[index : index + 3])
            index += 3
        else:
            parts.append(word)
            index += 1
    return rng.choice((" ", " ", ", ", "-")).join(parts)


def phone_in_words(rng: random.Random) -> Sample:
    """ "oh seven seven double oh nine double one two three four five", "seven seven double oh 900 321"."""
    digits = rng.choice(("07", "07", "01", "02")) + "".join(rng.choice("0123456789") for _ in range(9))
    if rng.random() < 0.2:
        digits = digits[1:]
    spoken = _spoken(rng, digits)
    template = rng.choice(("call me on {}", "my number is {} but he checks my phone", "text {}", "{}", "its {} x"))
    return _filled(template, spoken, PHONE)


def email_in_words(rng: random.Random) -> Sample:
    """ "jane dot smith at gmail dot com", "kev_77 (at) hotmail.com", "priya at gmail"."""
    first, last = invented_name(rng).lower(), invented_name(rng).lower()
    local = rng.choice((first, f"{first} dot {last}", f"{first} underscore {last}", f"{first}{rng.randint(1, 99)}"))
    provider, at = rng.choice(PROVIDERS), rng.choice((" at ", " at ", " (at) ", " [at] "))
    domain = rng.choice((f"{provider} dot {rng.choice(SUFFIXES)}", f"{provider}.com", provider))
    if domain == PLAIN_WORD_DOMAIN or (domain == f"{PLAIN_WORD_DOMAIN}.com" and local == first and at == " at "):
        domain = f"{provider} dot com"  # "name at example.com" reads like "look at gov.uk": not claimed
    template = rng.choice(("email me at {}", "my email is {} please don't tell him", "{}", "its {}"))
    return _filled(template, f"{local}{at}{domain}", EMAIL)


KINDS: Dict[str, Callable[[random.Random], Sample]] = {
    "name: introduction": introduction,
    "name: beside a relative or friend": beside_a_relative,
    "name: from the lists": from_the_lists,
    "street without a number": street_without_number,
    "house name, street and village": house_and_village,
    "date of birth": date_of_birth,
    "phone number in words": phone_in_words,
    "email in words": email_in_words,
}


def unlisted_name_without_cue(rng: random.Random) -> Sample:
    """A name no list holds, with nothing around it that says it is a name: not found (a limit)."""
    template = rng.choice(("i told {} everything", "{} came round last night", "he said {} would help"))
    return _filled(template, invented_name(rng), NAME)


def unlisted_name_in_lower_case(rng: random.Random) -> Sample:
    """A name no list holds, in lower case after "my husband": not found (a limit: "my husband will")."""
    relative, rest = rng.choice(RELATIVES), rng.choice(AFTER_A_NAME)
    return _filled(f"my {relative} {{}} {rest}".strip(), invented_name(rng).lower(), NAME)


def street_in_lower_case_without_cue(rng: random.Random) -> Sample:
    """A street in lower case with no "I live on" before it: not found (a limit: "the family court")."""
    street = f"{invented_name(rng).lower()} {rng.choice(STREET_TYPES).lower()}"
    return _filled(rng.choice(("he was waiting on {} again", "it happened on {}")), street, ADDRESS)


LIMITS: Dict[str, Callable[[random.Random], Sample]] = {
    "name not in the lists, no cue": unlisted_name_without_cue,
    "name not in the lists, lower case after a relative": unlisted_name_in_lower_case,
    "street in lower case, no 'I live on'": street_in_lower_case_without_cue,
}
"""Kinds the redactor does not claim to find: the benchmark prints their recall so the limits are known."""


def generated_set(
    size: int, seed: int = 7, kinds: Mapping[str, Callable[[random.Random], Sample]] = KINDS
) -> Dict[str, Sequence[Sample]]:
    """`size` samples of every kind, the same ones for the same seed."""
    rng = random.Random(seed)
    return {kind: [make(rng) for _ in range(size)] for kind, make in kinds.items()}
