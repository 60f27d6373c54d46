"""People's names in a message: introductions, names beside a word for a relative or friend, and first
names and surnames from the public name lists in data/names/ (their sources and licences are in the README there).

Staff read the redacted transcripts, so precision matters as much as recall:
- a listed first name is a name anywhere, in any case; a listed surname alone only when capitalised, since
  short surnames look like typos ("heer", "gona"); after a name or a title, in any case ("sarah jones");
- a listed name is never an ordinary English word: "will", "may", "hope", "grace", "mark", "bill" are
  left out of the lists (tools/name_lists.py) and are a name only where the context says so and they are
  capitalised ("my husband Will", "my sister May");
- capitals count only where they mean something: not at the start of a sentence, nor in text that is all
  capitals or Has Every Word Capitalised;
- organisations and schemes named after people or with name-like words ("Suzy Lamplugh Trust", "Clare's
  Law", "Karma Nirvana", "Hestia"), the helplines' names and the gazetteer's places of more than one word are
  never touched; a one-word place ("Preston"), a month or a word of not_names.txt is not in the lists, and is
  a name only right after a word for a relative or friend ("my sister May").
The assistant's NLU reads the message as typed: this changes only what is stored, logged and shown to staff.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from pathlib import Path
from typing import Callable, FrozenSet, Iterable, List, Sequence, Set, Tuple

from spacy.lang.en.stop_words import STOP_WORDS

from bot.settings import ROOT

logger = logging.getLogger(__name__)

NAMES_DIR = ROOT / "data" / "names"
FIRST_NAMES_FILE = "first_names.txt"
SURNAMES_FILE = "surnames.txt"
NOT_NAMES_FILE = "not_names.txt"
"""Words in some name list that in a survivor's message almost always mean something else."""
ORGANISATIONS_FILE = "organisations.txt"
"""Organisations, services and schemes whose names must survive redaction, word for word."""

RELATIONSHIP_WORDS: FrozenSet[str] = frozenset(
    {
        "husband", "hubby", "wife", "partner", "boyfriend", "bf", "girlfriend", "gf", "fiance", "fiancee",
        "fella", "missus", "spouse", "ex", "son", "sons", "daughter", "daughters", "child", "kid", "kids",
        "baby", "mum", "mom", "mam", "mummy", "mother", "dad", "daddy", "father", "stepdad", "stepmum",
        "stepson", "stepdaughter", "brother", "bro", "sister", "sis", "sibling", "twin", "aunt", "auntie",
        "aunty", "uncle", "cousin", "nan", "nana", "nanna", "gran", "granny", "grandma", "grandmother",
        "grandad", "granddad", "grandpa", "grandfather", "grandson", "granddaughter", "niece", "nephew",
        "friend", "mate", "pal", "bestie", "neighbour", "neighbor", "boss", "manager", "colleague",
        "flatmate", "housemate", "landlord", "landlady", "lodger", "carer",
    }
)
"""Words after which a capitalised word is a person ("my husband Kevin", "his mate Dave"; "-in-law" too).
None of them is ever a name itself: "my nan" stays."""
TITLES: FrozenSet[str] = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "pc", "dc", "ds", "di", "sgt", "sergeant", "inspector", "constable",
     "detective", "officer"}
)
"""Capitalised, these put a name after them ("Mrs Patel", "PC Jones")."""
NEVER = RELATIONSHIP_WORDS | TITLES
"""Never a name: "my nan", "Mrs"."""
SELF = frozenset({"im", "am"})
HERE = frozenset({"here", "speaking"})
INTRODUCTIONS = frozenset(
    {("name", "is"), ("name", "was"), ("my", "names"), ("im", "called"), ("am", "called"), ("go", "by"), ("goes", "by")}
)
"""The words before a name that say it is one in any case: "my name is", "I'm called", "she goes by"."""
WEAK_PAIRS = frozenset({("call", "me"), ("known", "as")})
POSSESSIVES = frozenset({"my", "his", "her", "our", "their", "your"})
NAMED = frozenset({"called", "named"})
GREETINGS = frozenset({"hi", "hiya", "hello", "hey", "dear", "thanks", "cheers", "bye"})
"""Before a capitalised word, a greeting names someone: "hi Kev", "thanks Jo"."""
STOP_WORD_NAMES = frozenset({"will", "may"})
"""The only stop words that are also common first names: "my husband Will", "my sister May" (never "And")."""
MIN_LETTERS = 2
TITLE_CASE_SHARE = 0.5
"""In text with more than this share of its words capitalised, capitals say nothing (Every Word Capitalised)."""
MIN_WORDS_FOR_CASE = 4
MAX_PHRASE_WORDS = 6

TOKEN = re.compile(r"(?<![\w/\\])[^\W\d_]+(?:['’][^\W\d_]+)*(?![\w/\\])")
"""A word standing on its own: letters glued to digits, underscores or slashes are an identifier or a path
(a log line's file name, a username), never a person's name."""
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
POSSESSIVE_ENDINGS = frozenset({"'s", "’s", "'S", "’S"})
APOSTROPHES = re.compile(r"['’]")
CONTEXT_GAP = re.compile(r"[ \t]*(?:[,:\-–—][ \t]*)?")
"""What may stand between a cue and the name it introduces: spaces and one comma, colon or dash."""
NAME_GAP = re.compile(r"[ \t]+")
SENTENCE_BREAK = re.compile(r"[.!?\n]")
CLAUSE_END = re.compile(r"\s*(?:$|[,.!?;:)\n])")
CLAUSE_WORDS = frozenset({"and", "but", "im", "i", "from", "here", "btw", "x", "xx", "xxx"})


class Cue(IntEnum):
    """What the words around a word say about it being a name, weakest first."""

    NONE = 0
    SELF = 1
    """ "I'm": a name if capitalised and not a stop word ("I'm Priya", not "I'm So scared")."""
    WEAK = 2
    """ "my husband", "called", "Mrs", "it's ... here": a name if capitalised ("my husband Will")."""
    STRONG = 3
    """ "my name is", "I'm called": a name in any case, unless it is a stop word ("my name is on the lease")."""


def name_key(word: str) -> str:
    """The form names are listed under: lower case, no accents, no apostrophes, no possessive ("O'Brien's" ->
    "obrien")."""
    word = POSSESSIVE.sub("", word)
    if not word.isascii():
        word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii")
    return APOSTROPHES.sub("", word).lower()


def read_words(path: Path) -> FrozenSet[str]:
    """The non-comment lines of a word list, as name keys."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(name_key(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


def read_phrases(lines: Iterable[str]) -> FrozenSet[Tuple[str, ...]]:
    """Each phrase as a tuple of word keys ("Clare's Law" -> ("clare", "law")), comments and blanks skipped."""
    phrases = (tuple(name_key(word) for word in TOKEN.findall(line)) for line in lines if not line.startswith("#"))
    return frozenset(phrase for phrase in phrases if 0 < len(phrase) <= MAX_PHRASE_WORDS)


@dataclass(frozen=True)
class Word:
    """One word of the message: where the name part of it is, and what it says about being a name."""

    start: int
    end: int
    """End of the name part: a possessive "'s" stays outside it ("[name]'s car")."""
    after: int
    key: str
    initial: bool
    """Starts with a capital letter, wherever it is (for "Mrs" and "PC", which start sentences too)."""
    capitalised: bool
    """Capitalised where capitals mean something: not first in a sentence, not in capitals or Title Case text."""


@dataclass
class NameLists:
    """What the finder knows: listed names, words that are never names or rarely, and phrases never touched."""

    first_names: FrozenSet[str]
    surnames: FrozenSet[str]
    not_names: FrozenSet[str]
    """not_names.txt: months, nations, text-speak... A name only right after a relative ("my sister May")."""
    protected: FrozenSet[Tuple[str, ...]]

    @classmethod
    def load(cls, directory: Path = NAMES_DIR, protected: Iterable[str] = ()) -> "NameLists":
        """The lists in `directory`, with `protected` phrases (helplines, places) added to its organisations."""
        organisations = (directory / ORGANISATIONS_FILE).read_text(encoding="utf-8").splitlines()
        return cls(
            first_names=read_words(directory / FIRST_NAMES_FILE),
            surnames=read_words(directory / SURNAMES_FILE),
            not_names=read_words(directory / NOT_NAMES_FILE),
            protected=read_phrases([*organisations, *protected]),
        )

    @cached_property
    def protected_starts(self) -> FrozenSet[str]:
        """The first words of the protected phrases: most words start none, and are passed at once."""
        return frozenset(phrase[0] for phrase in self.protected)

    def is_listed(self, key: str) -> bool:
        return key in self.first_names or key in self.surnames


def words_of(text: str, is_listed: Callable[[str], bool]) -> List[Word]:
    """The words of `text`, each marked capitalised only where capitals are a signal. Listed names don't count
    towards Title Case: "Sarah Jones and Kevin Marsh" is a sentence with names in it."""
    matches = list(TOKEN.finditer(text))
    keys = [name_key(match.group()) for match in matches]
    pairs = zip(matches, keys, strict=True)
    others = [match.group() for match, key in pairs if len(key) >= MIN_LETTERS and not is_listed(key)]
    capitals = sum(1 for word in others if word[0].isupper())
    case_counts = len(others) < MIN_WORDS_FOR_CASE or capitals <= TITLE_CASE_SHARE * len(others)
    words: List[Word] = []
    for match, key in zip(matches, keys, strict=True):
        raw = match.group()
        end = match.end() - 2 if raw[-2:] in POSSESSIVE_ENDINGS else match.end()
        starts_sentence = not words or SENTENCE_BREAK.search(text, words[-1].after, match.start()) is not None
        capitalised = case_counts and raw[0].isupper() and not raw.isupper() and not starts_sentence
        words.append(Word(match.start(), end, match.end(), key, raw[0].isupper(), capitalised))
    return words


class NameFinder:
    """Finds the spans of people's names in a text (see the module's docstring for the rules)."""

    def __init__(self, lists: NameLists) -> None:
        self.lists = lists

    def find(self, text: str) -> List[Tuple[int, int]]:
        """(start, end) of every name in `text`, in order."""
        words = words_of(text, self.lists.is_listed)
        protected = self._protected(words)
        names: List[bool] = []
        for index in range(len(words)):
            names.append(index not in protected and self._is_name(text, words, index, names))
        for index in range(len(words) - 2, -1, -1):
            if not names[index] and index not in protected and self._before_a_surname(text, words, index, names):
                names[index] = True
        return [(word.start, word.end) for word, named in zip(words, names, strict=True) if named]

    def _protected(self, words: Sequence[Word]) -> Set[int]:
        """Indexes of the words inside an organisation's, a helpline's or a place's name."""
        keys = [word.key for word in words]
        inside: Set[int] = set()
        for start, key in enumerate(keys):
            if key not in self.lists.protected_starts:
                continue
            for length in range(1, min(MAX_PHRASE_WORDS, len(keys) - start) + 1):
                if tuple(keys[start : start + length]) in self.lists.protected:
                    inside.update(range(start, start + length))
        return inside

    def _is_name(self, text: str, words: Sequence[Word], index: int, names: Sequence[bool]) -> bool:
        word = words[index]
        if len(word.key) < MIN_LETTERS or word.key in NEVER:
            return False
        if word.key in self.lists.not_names:
            return word.capitalised and after_a_relative(keys_before(text, words, index))
        if word.key in self.lists.first_names:
            return True
        surname = word.key in self.lists.surnames
        capitalised = word.capitalised and (word.key not in STOP_WORDS or word.key in STOP_WORD_NAMES)
        if (capitalised or surname) and follows_a_name(text, words, index, names):
            return True
        cue = cue_before(text, words, index)
        if cue is Cue.STRONG:
            return capitalised or (word.key not in STOP_WORDS and ends_clause(text, words, index))
        if cue is Cue.WEAK:
            return capitalised or surname
        if cue is Cue.SELF:
            return capitalised and word.key not in STOP_WORD_NAMES
        return capitalised and surname

    def _before_a_surname(self, text: str, words: Sequence[Word], index: int, names: Sequence[bool]) -> bool:
        """ "Grace Jones", even first in a sentence: a plain word with a capital before a listed surname."""
        word, following = words[index], words[index + 1]
        return (
            word.initial
            and text[word.start : word.after].isalpha()
            and word.key not in SELF
            and names[index + 1]
            and following.key in self.lists.surnames
            and word.key not in NEVER
            and word.key not in self.lists.not_names
            and word.key not in STOP_WORDS
            and NAME_GAP.fullmatch(text, word.after, following.start) is not None
        )


def ends_clause(text: str, words: Sequence[Word], index: int) -> bool:
    """Whether words[index] ends what is being said: "my name is xanthe", "...is xanthe, i", "...is xanthe and",
    not "my name is being used" or "your name is called"."""
    if CLAUSE_END.match(text, words[index].after):
        return True
    return index + 1 < len(words) and words[index + 1].key in CLAUSE_WORDS


def follows_a_name(text: str, words: Sequence[Word], index: int, names: Sequence[bool]) -> bool:
    """Whether the word before this one was a name, with only spaces between ("Kevin Marsh")."""
    if index == 0 or not names[index - 1]:
        return False
    return NAME_GAP.fullmatch(text, words[index - 1].after, words[index].start) is not None


def keys_before(text: str, words: Sequence[Word], index: int, count: int = 2) -> Tuple[str, ...]:
    """The keys of up to `count` words leading up to words[index] with only a cue's gap between them."""
    keys: List[str] = []
    position = index
    while position > 0 and len(keys) < count:
        if CONTEXT_GAP.fullmatch(text, words[position - 1].after, words[position].start) is None:
            break
        position -= 1
        keys.insert(0, words[position].key)
    return tuple(keys)


def cue_before(text: str, words: Sequence[Word], index: int) -> Cue:
    """What the words around words[index] say about it being a name."""
    if _before_relationship(text, words, index):
        return Cue.WEAK
    before = keys_before(text, words, index)
    if not before:
        return Cue.NONE
    previous = words[index - 1]
    if _introduces_self(before, text[previous.end : previous.after]):
        return Cue.STRONG
    if after_a_relative(before) or before[-1] in NAMED or before[-1] in GREETINGS or before in WEAK_PAIRS:
        return Cue.WEAK
    if _signs_off(before, words, index) or (before[-1] in TITLES and previous.initial):
        return Cue.WEAK
    return Cue.SELF if before[-1] in SELF else Cue.NONE


def after_a_relative(before: Tuple[str, ...]) -> bool:
    """Whether the words before end with a word for a relative or friend ("my sister", "mother-in-law")."""
    return bool(before) and (before[-1] in RELATIONSHIP_WORDS or before == ("in", "law"))


def _introduces_self(before: Tuple[str, ...], possessive: str) -> bool:
    """ "my name is", "name's", "my names", "I'm called", "I go by"."""
    if before[-1] == "name" and possessive:
        return True
    return before in INTRODUCTIONS


def _signs_off(before: Tuple[str, ...], words: Sequence[Word], index: int) -> bool:
    """ "it's Kev here", "this is Sarah speaking"."""
    following = words[index + 1].key if index + 1 < len(words) else ""
    return following in HERE and (before[-1] in {"its", "it"} or before in {("it", "is"), ("this", "is")})


def _before_relationship(text: str, words: Sequence[Word], index: int) -> bool:
    """ "Kevin, my husband": a name, then a possessive and a word for a relative or friend."""
    if index + 2 >= len(words):
        return False
    if words[index + 1].key not in POSSESSIVES or words[index + 2].key not in RELATIONSHIP_WORDS:
        return False
    return all(
        CONTEXT_GAP.fullmatch(text, words[position].after, words[position + 1].start) is not None
        for position in (index, index + 1)
    )
