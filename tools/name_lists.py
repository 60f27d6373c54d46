"""Builds the redactor's name lists, data/names/first_names.txt and surnames.txt, from public name data.

    python -m tools.name_lists --census DIR --faker DIR [--words /usr/share/dict/british-english]

--census is the folder of the US Census Bureau's 1990 name files (dist.female.first, dist.male.first,
dist.all.last; public domain) as shipped in the PyPI package `names` 0.3.0; --faker is the unpacked wheel of
Faker 40.54.0 (MIT), whose person providers hold the names of the languages below (its en_GB first names are
the ONS's). data/names/README.md says how to fetch both. A name is left out when it is an ordinary English
word (SCOWL's British list, Debian's `wbritish`), a stop word or a contraction typed without its apostrophe
("dont", "ive"), a place in data/gazetteer/ or a country, an organisation in organisations.txt, a word in
not_names.txt or a word for a relative: those are names only where the context says so (bot/privacy/names.py).
"""

import argparse
import importlib
import logging
import sys
import unicodedata
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Sequence, Set

from babel import Locale
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.en.tokenizer_exceptions import TOKENIZER_EXCEPTIONS

from bot.nlp.gazetteer import default_gazetteer
from bot.privacy.names import (
    FIRST_NAMES_FILE,
    NAMES_DIR,
    NEVER,
    NOT_NAMES_FILE,
    ORGANISATIONS_FILE,
    SURNAMES_FILE,
    name_key,
    read_phrases,
    read_words,
)

logger = logging.getLogger(__name__)

WORDS = Path("/usr/share/dict/british-english")
LOCALES = (
    "en_GB", "en_IE", "en_US", "en_IN", "en_PK", "en_NG", "yo_NG", "ig_NG", "ha_NG", "tw_GH", "en_KE", "pl_PL",
    "ro_RO", "lt_LT", "lv_LV", "pt_PT", "pt_BR", "it_IT", "es_ES", "fr_FR", "de_DE", "tr_TR", "cs_CZ", "sk_SK",
    "hu_HU",
)
"""Faker locales for the UK's largest communities by country of birth (ONS), in Latin script."""
CENSUS_FIRST = ("dist.female.first", "dist.male.first")
CENSUS_LAST = "dist.all.last"
CENSUS_SURNAME_SHARE = 80.0
"""Census surnames are taken down to this cumulative share of the population (%): past it, the list is
mostly one-family spellings and typos of words."""
MIN_LETTERS = 3
FIRST_NAME_FIELDS = ("first_names", "first_names_female", "first_names_male")
HEADER = "# Built by `python -m tools.name_lists` (data/names/README.md): {what}, one a line, as name keys."


def census_names(path: Path, share: float = 100.0) -> List[str]:
    """The names of a Census file down to `share` per cent of the population (its third column)."""
    names = []
    for line in path.read_text(encoding="ascii").splitlines():
        name, _, cumulative, _ = line.split()
        if float(cumulative) > share:
            break
        names.append(name)
    return names


def faker_names(faker_dir: Path, fields: Sequence[str]) -> List[str]:
    """Every name in `fields` of the person providers of LOCALES, from the unpacked Faker wheel."""
    sys.path.insert(0, str(faker_dir))
    names: List[str] = []
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for field in fields:
            names.extend(getattr(provider, field, ()))
    return names


def ordinary_words(words: Path) -> FrozenSet[str]:
    """Words that aren't names in a message: SCOWL's lower-case words, stop words, contractions typed without
    an apostrophe, relatives, titles and not_names.txt."""
    lower = {line.split("'")[0] for line in words.read_text(encoding="utf-8").splitlines() if line[:1].islower()}
    contractions = {name_key(key) for key in TOKENIZER_EXCEPTIONS if key.replace("'", "").isalpha()}
    not_names = read_words(NAMES_DIR / NOT_NAMES_FILE)
    return frozenset(lower | set(STOP_WORDS) | contractions | NEVER | not_names)


def single_word_places_and_organisations() -> FrozenSet[str]:
    """Places and organisations named in one word ("Preston", "Chelsea", "Ireland", "Hestia"): the UK's from
    the gazetteer, the world's countries from Babel's English locale data (CLDR)."""
    places = [surface for surface, _ in default_gazetteer().names()] + list(Locale("en").territories.values())
    organisations = (NAMES_DIR / ORGANISATIONS_FILE).read_text(encoding="utf-8").splitlines()
    return frozenset(phrase[0] for phrase in read_phrases([*places, *organisations]) if len(phrase) == 1)


def usable(names: Iterable[str], excluded: FrozenSet[str]) -> List[str]:
    """The names' keys that are one plain word, long enough, and not excluded, sorted and once each."""
    keys: Set[str] = set()
    for name in names:
        key = name_key(unicodedata.normalize("NFC", name.strip()))
        if key.isalpha() and key.isascii() and len(key) >= MIN_LETTERS and key not in excluded:
            keys.add(key)
    return sorted(keys)


def write_list(path: Path, what: str, keys: Sequence[str]) -> None:
    path.write_text("\n".join([HEADER.format(what=what), *keys]) + "\n", encoding="utf-8")
    logger.info("%s: %d names", path, len(keys))


def build(census: Path, faker: Path, words: Path, output: Path) -> Dict[str, int]:
    """Writes first_names.txt and surnames.txt to `output`; returns how many names each holds."""
    excluded = ordinary_words(words) | single_word_places_and_organisations()
    census_first = [name for file in CENSUS_FIRST for name in census_names(census / file)]
    first = usable([*census_first, *faker_names(faker, FIRST_NAME_FIELDS)], excluded)
    census_last = census_names(census / CENSUS_LAST, CENSUS_SURNAME_SHARE)
    last = usable([*census_last, *faker_names(faker, ("last_names",))], excluded)
    write_list(output / FIRST_NAMES_FILE, "first names", first)
    write_list(output / SURNAMES_FILE, "surnames", last)
    return {FIRST_NAMES_FILE: len(first), SURNAMES_FILE: len(last)}


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--census", type=Path, required=True, help="folder of the Census 1990 dist.* files")
    parser.add_argument("--faker", type=Path, required=True, help="the unpacked Faker 40.54.0 wheel")
    parser.add_argument("--words", type=Path, default=WORDS, help="SCOWL's British English word list")
    parser.add_argument("--output", type=Path, default=NAMES_DIR)
    args = parser.parse_args(list(argv) or None)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    counts = build(args.census, args.faker, args.words, args.output)
    print(", ".join(f"{file}: {count}" for file, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
