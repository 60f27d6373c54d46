"""People's names: redacted where a survivor writes them, and nothing else taken for one.

Staff read the stored transcripts, so the ordinary words that are also names, the organisations a survivor
talks about and the places the assistant needs must survive; and the name recognizer must change almost none
of the training examples, the held-out test messages or the assistant's answers (none of them names anyone).
"""

from typing import List

import pytest

from bot.facts import helplines
from bot.nlp.gazetteer import default_gazetteer
from bot.privacy.names import (
    FIRST_NAMES_FILE,
    NAMES_DIR,
    NOT_NAMES_FILE,
    ORGANISATIONS_FILE,
    RELATIONSHIP_WORDS,
    SURNAMES_FILE,
    name_key,
    read_words,
)
from bot.privacy.redaction import default_redactor, redact
from tools.bench.redaction import false_redactions

MAX_FALSE_REDACTION_RATE = 0.005
"""At most one text in 200 changed by the name recognizer (measured 2026-12-03: 7 of 4,889 training examples,
all of them people in the news or fiction, a smart speaker and a soap; 0 of 535 test messages; 0 answers)."""
ORDINARY_WORDS = ("will", "may", "hope", "grace", "mark", "bill", "rose", "faith", "joy", "april", "sunny", "june")


@pytest.mark.parametrize(
    ("message", "stored"),
    [
        ("my name is Sarah", "my name is [name]"),
        ("I'm called Priya", "I'm called [name]"),
        ("it's Kev here", "it's [name] here"),
        ("hi, this is Zarvina speaking", "hi, this is [name] speaking"),
        ("my name is xanthe and im scared", "my name is [name] and im scared"),
        ("MY NAME IS SARAH", "MY NAME IS [name]"),
        ("hi my name is priya patel", "hi my name is [name]"),
        ("my daughter's name is Lily", "my daughter's name is [name]"),
        ("I'm Tolvek and I need help", "I'm [name] and I need help"),
        ("she goes by Ash now", "she goes by [name] now"),
        ("hi Kev, it's me", "hi [name], it's me"),
    ],
)
def test_introductions_are_redacted(message: str, stored: str) -> None:
    assert redact(message) == stored


@pytest.mark.parametrize(
    ("message", "stored"),
    [
        ("my husband Kevin", "my husband [name]"),
        ("my sister Sarah", "my sister [name]"),
        ("his mate Dave", "his mate [name]"),
        ("my husband Will hit me", "my husband [name] hit me"),
        ("my ex-husband Gary turned up", "my ex-husband [name] turned up"),
        ("her mother-in-law Brenda is worse", "her mother-in-law [name] is worse"),
        ("Kevin, my husband, hit me", "[name], my husband, hit me"),
        ("i told Zorvek, my neighbour, everything", "i told [name], my neighbour, everything"),
        ("my husband Kevin Marsh", "my husband [name]"),
        ("Mrs Patel next door", "Mrs [name] next door"),
        ("PC Smith came round", "PC [name] came round"),
        ("my husband Preston hit me", "my husband [name] hit me"),
        ("my sister May and her son Christian", "my sister [name] and her son [name]"),
        ("My Husband Kevin Is Hurting Me", "My Husband [name] Is Hurting Me"),
    ],
)
def test_names_beside_a_relative_friend_or_title_are_redacted(message: str, stored: str) -> None:
    assert redact(message) == stored


@pytest.mark.parametrize(
    ("message", "stored"),
    [
        ("sarah came round last night", "[name] came round last night"),
        ("i told dave everything", "i told [name] everything"),
        ("Sarah Jones and Kevin Marsh", "[name] and [name]"),
        ("Grace Jones came round", "[name] came round"),
        ("Sarah's car is outside", "[name]'s car is outside"),
        ("Agnieszka and Mohammed know", "[name] and [name] know"),
        ("i'm staying with Zoë", "i'm staying with [name]"),
    ],
)
def test_names_from_the_lists_are_redacted_anywhere(message: str, stored: str) -> None:
    assert redact(message) == stored


@pytest.mark.parametrize(
    "message",
    [
        "Will he find me if I leave?",
        "my husband will kill me",
        "I hope May is ok",
        "mark my words he will",
        "the bill is in his name",
        "Faith and Hope are all I have left",
        "April was when it started, in June it got worse",
        "it's sunny today and I feel some joy",
        "by the grace of god I got out",
        "a rose garden",
        "my nan and my mum know",
        "I'm Muslim and he says no one will help me",
        "I'm Christian, he isn't",
        "In May, my husband hit me",
        "my husband And I argue",
        "my name is on the tenancy",
        "your name is called on the list",
        "he calls me names",
        "Bill hit me",  # first in a sentence: no more a name than "Will he find me?"
    ],
)
def test_ordinary_words_that_are_also_names_survive(message: str) -> None:
    assert redact(message) == message


@pytest.mark.parametrize(
    "message",
    [
        "I called Refuge and Women's Aid",
        "Galop helped me, then Karma Nirvana",
        "the Respect Phoneline said to ring the Samaritans",
        "Hestia and Safe Lives and Shelter",
        "the Suzy Lamplugh Trust runs it",
        "can I use Clare's Law or Sarah's Law",
        "my friend from Women's Aid called Refuge",
        "I called Childline",
    ],
)
def test_organisations_survive(message: str) -> None:
    assert redact(message) == message


def test_the_helplines_names_survive() -> None:
    names = [line.name for line in helplines().values()]
    assert [redact(name) for name in names] == names


@pytest.mark.parametrize("text", [
    "/tmp/pytest-of-root/test_a_key_file_others_can_rea0/backup.key",
    "File \"/srv/haven/.venv/lib/python3.10/site-packages/rasa/core/processor.py\", line 12",
    "account sarah_k2 signed in",
])
def test_identifiers_and_paths_in_log_lines_are_not_names(text: str) -> None:
    """Log lines are redacted too (bot/privacy/log_redaction.py): a file name or a username is not a person."""
    assert redact(text) == text


def test_the_gazetteers_places_survive() -> None:
    messages = [f"I live in {surface}, near {surface}" for surface, _ in default_gazetteer().names()]
    assert [message for message in messages if redact(message) != message] == []


def _list(file: str) -> List[str]:
    return [line for line in (NAMES_DIR / file).read_text(encoding="utf-8").splitlines() if not line.startswith("#")]


@pytest.mark.parametrize("file", [FIRST_NAMES_FILE, SURNAMES_FILE])
def test_the_name_lists_hold_plain_keys_and_no_ordinary_word(file: str) -> None:
    names = _list(file)
    assert names == sorted(set(names))
    assert all(name.isascii() and name.isalpha() and name.islower() and len(name) >= 3 for name in names)
    excluded = read_words(NAMES_DIR / NOT_NAMES_FILE) | RELATIONSHIP_WORDS | set(ORDINARY_WORDS)
    assert excluded.isdisjoint(names)
    assert {name_key(surface) for surface, _ in default_gazetteer().names()}.isdisjoint(names)
    assert read_words(NAMES_DIR / ORGANISATIONS_FILE).isdisjoint(names)


def test_the_name_recognizer_rarely_changes_the_training_data_test_messages_or_answers() -> None:
    results = false_redactions(default_redactor())
    for result in results:
        print(f"{result.source}: {len(result.changed)} of {result.total} changed by names ({result.rate:.2%})")
        for text in result.changed:
            print(f"    {text!r}")
    assert all(result.rate <= MAX_FALSE_REDACTION_RATE for result in results)
    assert results[-1].changed == ()  # the assistant's own answers: never
