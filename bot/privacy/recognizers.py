"""What counts as personal data in a UK survivor's message: Presidio recognizers, UK-specific ones added.

Each recognizer finds one kind of personal data; `bot.privacy.redaction` decides what replaces it.
Number patterns are generous on purpose: redacting a harmless number costs nothing, keeping a survivor's
phone number in the database could cost a great deal. Words are another matter: staff read the transcripts,
so streets without a number, house names and names (`bot.privacy.names`) need a sign that they are one.
"""

import logging
import re
from typing import Callable, Iterable, List, Optional, Tuple

import tldextract
from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UrlRecognizer,
)
from spacy.lang.en.stop_words import STOP_WORDS

from bot.facts import helplines
from bot.nlp.gazetteer import default_gazetteer
from bot.privacy.names import NEVER, TOKEN, NameFinder, NameLists

logger = logging.getLogger(__name__)

PHONE = "PHONE_NUMBER"
EMAIL = "EMAIL_ADDRESS"
POSTCODE = "UK_POSTCODE"
ADDRESS = "STREET_ADDRESS"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
NI_NUMBER = "UK_NINO"
NHS_NUMBER = "UK_NHS"
CARD = "CREDIT_CARD"
BANK = "UK_BANK_DETAILS"
IBAN = "IBAN_CODE"
URL = "URL"
PERSON = "PERSON"

OFFLINE_TLDS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
"""tldextract with its bundled public-suffix snapshot only: nothing is fetched from the network, ever."""

SEPARATOR = r"[\s\-.()]{0,2}"
UK_PHONE_PATTERN = (
    rf"(?<![\d+])(?:(?:\+|00){SEPARATOR}44{SEPARATOR}(?:\(?0\)?{SEPARATOR})?\d(?:{SEPARATOR}\d){{8,9}}"
    rf"|0\d(?:{SEPARATOR}\d){{8,9}})(?!\d)"
)
"""UK numbers as people type them: 07700 900123, 020-7946-0018, +44 (0)7700 900 123, 0044 1632 960000."""

POSTCODE_PATTERN = r"\b(?P<district>[A-Z]{1,2}[0-9][A-Z0-9]?)\s*(?P<inward>[0-9][A-Z]{2})\b"
"""A full postcode: outward code (the district, which may be kept) and inward code (which never is)."""

STREET_TYPES = (
    "road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|court|ct|gardens|gdns|place|pl|"
    "terrace|grove|hill|park|row|square|sq|walk|mews|rise|view|green|parade|vale|crt|boulevard|estate"
)
NOT_A_STREET_NAME = r"(?!(?:the|a|an|of|on|in|at|to|my|his|her|their|and|or|with|is|was|for|from|by|times?)\b)"
ADDRESS_PATTERN = (
    r"\b(?:(?:flat|apartment|apt|unit)\s*\d+[a-z]?,?\s+)?\d{1,4}[a-z]?,?\s+"
    rf"(?:{NOT_A_STREET_NAME}[a-z'\-]+\s+){{1,3}}(?:{STREET_TYPES})\b\.?"
)
"""A house number and a street: "12 Acacia Road", "flat 3, 45b high st"."""

STREETS = "road|street|avenue|lane|crescent|gardens|terrace|mews|grove|close|drive|boulevard|rd|ave|ln|cres|gdns"
"""Street types that, with a name before them, are a street without a number. "Court", "Park", "Way", "Hill",
"Green", "View"... are ordinary words too ("family court", "car park"): they count only after "I live on"."""
OTHER_STREETS = "way|court|place|square|walk|rise|row|parade|vale|view|green|hill|park|estate"
GENERIC = (
    r"(?!(?:the|a|an|my|his|her|our|their|your|this|that|these|those|every|any|no|same|next|other|main|high|"
    r"busy|quiet|dead|back|side|end|long|short|old|new|big|little|small|nice|wrong|right|private|public|local|"
    r"nearest|country|coast|ring|one|each|of|on|in|at|to|and|or|with|is|was|for|from|by)\b)"
)
"""Words that make a street type generic ("the main road", "the same street", "a country lane")."""
CAPITALISED = r"(?-i:[A-Z][a-z'’]+(?:-[A-Z]?[a-z'’]+)?)"
LIVES = (
    r"\b(?:live|lives|living|lived|moved|move|moving|stay|stays|staying|stayed|flat|house|home|address|based|"
    r"we're|were|i'm|im|he's|hes|she's|shes|they're|theyre)\s+(?:(?:is|was|now)\s+)?(?:on|in|at|off|to|near)\s+"
    r"(?:the\s+)?"
)
"""Where a street without a number is named: "I live on", "we're at", "the flat on", "moved to"."""
NAMED_STREET_PATTERN = rf"(?<![\w'’])(?P<value>(?:{GENERIC}{CAPITALISED}\s+){{1,3}}(?-i:(?:{STREETS.title()})\b\.?))"
"""A named street, capitalised: "Marlborough Avenue", "Kings Road"."""
LIVES_ON_STREET_PATTERN = (
    rf"{LIVES}(?P<value>(?:{GENERIC}[a-z'’\-]+\s+){{1,3}}(?:{STREETS})\b\.?"
    rf"|(?:{GENERIC}{CAPITALISED}\s+){{1,3}}(?-i:(?:{OTHER_STREETS.title()})\b))"
)
"""A street after "I live on" in any case ("we're at the flat on kings road"), and "Kings Way", "Sunny Hill"."""
HOUSES = (
    "Cottage|Cottages|House|Farm|Farmhouse|Lodge|Barn|Barns|Villa|Manor|Mill|Bungalow|Grange|Rectory|"
    "Vicarage|Croft|Hall|Orchard|Stables|Chapel|Forge|Oast|Nook|Hollow"
)
HOUSE_NAME = rf"(?:(?-i:The)\s+)?(?:{CAPITALISED}\s+){{1,2}}(?-i:(?:{HOUSES}))\b"
HOUSE_AND_STREET_PATTERN = (
    rf"(?<![\w'’])(?P<value>{HOUSE_NAME},?\s+(?:\d{{1,4}}[a-z]?,?\s+)?(?:{CAPITALISED}\s+){{1,3}}"
    rf"(?-i:(?:{STREETS.title()}|{OTHER_STREETS.title()}))\b)"
)
"""A house name and its street: "Rose Cottage, Mill Lane"."""
LIVES_AT_HOUSE_PATTERN = rf"{LIVES}(?P<value>{HOUSE_NAME})"
"""A house name where someone lives: "we live at Rose Cottage"."""
ADDRESS_PATTERNS = (
    ADDRESS_PATTERN,
    NAMED_STREET_PATTERN,
    LIVES_ON_STREET_PATTERN,
    HOUSE_AND_STREET_PATTERN,
    LIVES_AT_HOUSE_PATTERN,
)
WORDS_BEFORE = re.compile(r"(?:[\w'’]+\s+){1,2}$")
WORD = re.compile(r"[\w'’]+")
LOCALITY = re.compile(r"\s*,\s*(?P<place>[A-Z][a-z'’\-]+(?:\s+(?:[A-Z][a-z'’\-]+|on|upon|in|under|le|by|cum)){0,3})")
"""A village or town after an address ("Rose Cottage, Mill Lane, Little Snoring")."""

MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
MONTH_NAME = rf"(?:{MONTHS})[a-z]*"
ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[\s\-]?)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth"
    r"|twentieth|thirtieth"
)
DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{ORDINAL_WORDS})"
DATE = (
    rf"(?:{DAY}(?:\s+of)?[\s/.\-]+(?:\d{{1,2}}|{MONTH_NAME})[\s/.\-,]+\d{{2,4}}"
    rf"|{MONTH_NAME}\s+(?:the\s+)?{DAY},?\s+\d{{2,4}}"
    rf"|{DAY}(?:\s+of)?\s+{MONTH_NAME}"
    rf"|{MONTH_NAME}\s+(?:the\s+)?{DAY}"
    rf"|{MONTH_NAME},?\s+(?:of\s+)?\d{{4}})(?![\w/])"
)
DATE_OF_BIRTH_PATTERN = (
    r"\b(?:born|dob|d\.o\.b\.?|date of birth|birth\s*date|birthday|b'?day)(?:['’]s)?"
    rf"(?:\s*(?:is|was|on|in|the|:|-))*\s*(?P<value>{DATE})"
)
"""A date after born / DOB / date of birth / birthday, with or without its year ("born on the 14th of March
1987", "my birthday is the 3rd of May", "DOB 14/03/87"); other dates in a story are kept."""

SORT_CODE_PATTERN = r"(?<![\d\-])\d{2}[\-–]\d{2}[\-–]\d{2}(?![\d\-])|sort\s*code\W{0,3}(?P<value>\d{2}\s?\d{2}\s?\d{2})"
ACCOUNT_NUMBER_PATTERN = r"(?<![\d\-])\d{8}(?![\d\-])"


class TextRecognizer(LocalRecognizer):
    """A recognizer that reads the text alone, with nothing to load and no spaCy pass needed: the redactor can
    run it outside Presidio's analyzer."""

    def __init__(self, entity: str, name: str) -> None:
        super().__init__(supported_entities=[entity], name=name)

    def load(self) -> None:
        """Nothing to load: patterns are compiled and lists read when the recognizer is made."""

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        """What the recognizer finds in `text`."""
        raise NotImplementedError


class RegexRecognizer(TextRecognizer):
    """One entity found by one case-insensitive regex; a `value` group, when present, is the part to redact."""

    def __init__(
        self,
        entity: str,
        pattern: str,
        score: float = 0.9,
        validate: Optional[Callable[[str], bool]] = None,
    ) -> None:
        self.regex = re.compile(pattern, re.IGNORECASE)
        self.score = score
        self.validate = validate
        super().__init__(entity, f"{entity.title()}Recognizer")

    def _has_value(self, match: "re.Match[str]") -> bool:
        return "value" in self.regex.groupindex and match.group("value") is not None

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        """Every match (its `value` group if it has one), kept only if `validate` accepts it."""
        results = []
        for match in self.regex.finditer(text):
            start, end = match.span("value") if self._has_value(match) else match.span()
            if self.validate is None or self.validate(text[start:end]):
                results.append(RecognizerResult(self.supported_entities[0], start, end, self.score))
        return results


EMAIL_PATTERN = Pattern(
    "email address", r"\b[\w.!#$%&'*+/=?^`{|}~-]+@\w(?:[\w-]*\w)?(?:\.\w(?:[\w-]*\w)?)+\b", 0.5
)
"""Wider than Presidio's own, which misses a domain with two hyphens in a row (a0@a--0.com: found by hypothesis)."""


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer with a wider pattern, validating the domain against the bundled suffix list
    (no network)."""

    def __init__(self) -> None:
        super().__init__(patterns=[EMAIL_PATTERN])

    def validate_result(self, pattern_text: str) -> bool:
        """An address whose domain has a real public suffix."""
        return bool(OFFLINE_TLDS(pattern_text.rsplit("@", 1)[-1]).fqdn)


class AddressRecognizer(TextRecognizer):
    """Street addresses: with a house number, a named street without one, or a house name and its street;
    a village after them is part of the address, a place the gazetteer knows is kept (it finds local help)."""

    def __init__(self, is_known_place: Callable[[str], bool]) -> None:
        self.parts = [RegexRecognizer(ADDRESS, pattern) for pattern in ADDRESS_PATTERNS]
        self.is_known_place = is_known_place
        super().__init__(ADDRESS, "StreetAddressRecognizer")

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        """Every address, each with the villages that follow it; a place the gazetteer knows ("Golders Green",
        "Swiss Cottage", "Liverpool Street") is not one."""
        results = [result for part in self.parts for result in part.analyze(text, entities)]
        results = [result for result in results if not self._is_a_place(text, result.start, result.end)]
        for result in results:
            result.end = self._with_locality(text, result.end)
        return results

    def _is_a_place(self, text: str, start: int, end: int) -> bool:
        """Whether text[start:end], or it with the word or two before it ("Old Kent Road"), is a known place."""
        before = WORDS_BEFORE.search(text, 0, start)
        starts = [start]
        if before is not None:
            starts.extend(match.start() for match in WORD.finditer(text, before.start(), start))
        return any(self.is_known_place(text[begin:end]) for begin in starts)

    def _with_locality(self, text: str, end: int) -> int:
        match = LOCALITY.match(text, end)
        while match is not None and not self.is_known_place(match.group("place")):
            end = match.end()
            match = LOCALITY.match(text, end)
        return end


DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
TEEN_WORDS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}
TENS_WORDS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8",
    "ninety": "9",
}
REPEAT_WORDS = {"double": 2, "triple": 3, "treble": 3}
HUNDRED = "hundred"
SPOKEN_NUMBER_TOKEN = re.compile(r"[a-z]+|\d+", re.IGNORECASE)
SPOKEN_NUMBER_GAP = re.compile(r"[\s,.\-–/()]*")
MIN_PHONE_DIGITS = 10
"""A UK number without its leading 0 has ten digits: fewer spoken digits in a row are a story's numbers."""


def spoken_digits(tokens: List[str], index: int) -> Tuple[str, int]:
    """The digits the spoken-number token at `index` stands for (with the next one for "double oh" and
    "seventy seven"), and how many tokens that took; ("", 0) if it is not a number."""
    word = tokens[index].lower()
    following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
    if word.isdigit():
        return word, 1
    if word in REPEAT_WORDS and following in DIGIT_WORDS:
        return DIGIT_WORDS[following] * REPEAT_WORDS[word], 2
    if word in TENS_WORDS:
        unit = DIGIT_WORDS.get(following)
        return (TENS_WORDS[word] + unit, 2) if unit is not None else (TENS_WORDS[word] + "0", 1)
    if word == HUNDRED:
        return "00", 1
    digits = DIGIT_WORDS.get(word) or TEEN_WORDS.get(word, "")
    return digits, 1 if digits else 0


class SpokenPhoneRecognizer(TextRecognizer):
    """Phone numbers written out in words, whole or in part: "oh seven seven double oh nine double one...",
    "seven seven double oh 900 321"."""

    def __init__(self) -> None:
        super().__init__(PHONE, "SpokenPhoneRecognizer")

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        """Every run of ten or more spoken digits with at least one word among them."""
        matches = list(SPOKEN_NUMBER_TOKEN.finditer(text))
        tokens = [match.group() for match in matches]
        results, index = [], 0
        while index < len(tokens):
            end, digits, words = self._run(text, matches, tokens, index)
            if len(digits) >= MIN_PHONE_DIGITS and words:
                results.append(RecognizerResult(PHONE, matches[index].start(), matches[end - 1].end(), 0.9))
            index = max(end, index + 1)
        return results

    @staticmethod
    def _run(text: str, matches: List["re.Match[str]"], tokens: List[str], start: int) -> Tuple[int, str, bool]:
        """Where the run of number tokens from `start` ends, its digits, and whether any was a word."""
        digits, words, index = "", False, start
        while index < len(tokens):
            previous_end = matches[index - 1].end() if index > start else matches[index].start()
            if not SPOKEN_NUMBER_GAP.fullmatch(text, previous_end, matches[index].start()):
                break
            part, used = spoken_digits(tokens, index)
            if not used:
                break
            digits, words, index = digits + part, words or not tokens[index].isdigit(), index + used
        return index, digits, words


SPELLED_AT = r"(?:@|\(at\)|\[at\]|\bat\b)"
SPELLED_DOT = r"(?:\.|\(dot\)|\[dot\]|\bdot\b)"
SPELLED_EMAIL_PATTERN = (
    r"(?<![\w.@])(?P<local>[a-z0-9]+(?:\s*(?:[._\-]|\bdot\b|\bunderscore\b|\bdash\b|\bhyphen\b)\s*[a-z0-9]+)*)"
    rf"\s*{SPELLED_AT}\s*(?P<domain>[a-z0-9][a-z0-9\-]*(?:\s*{SPELLED_DOT}\s*[a-z0-9][a-z0-9\-]*)*)"
)
SPELLED_WORD = re.compile(r"\b(?:at|dot|underscore)\b|\(at\)|\[at\]", re.IGNORECASE)
SPELLED_SIGN = re.compile(r"\d|\b(?:dot|underscore|dash|hyphen)\b|[_(\[]", re.IGNORECASE)
"""What makes "name at site.com" an address rather than "look at gov.uk": a digit or separator in the user name,
"dot" written out, or a bracketed "(at)"."""
DOT_WORD = re.compile(rf"\s*{SPELLED_DOT}\s*", re.IGNORECASE)
MAIL_PROVIDERS = frozenset(
    {"gmail", "googlemail", "hotmail", "yahoo", "outlook", "icloud", "aol", "btinternet", "protonmail", "ymail"}
)
"""Services named without their ending often enough ("jane at gmail") to be an address on their own."""


class SpelledEmailRecognizer(TextRecognizer):
    """Email addresses written out to dodge filters or typed as spoken: "jane dot smith at gmail dot com",
    "jane.smith (at) outlook.com", "kev at hotmail"."""

    def __init__(self, not_local: Iterable[str]) -> None:
        self.regex = re.compile(SPELLED_EMAIL_PATTERN, re.IGNORECASE)
        self.not_local = frozenset(not_local)
        super().__init__(EMAIL, "SpelledEmailRecognizer")

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        """Every spelled-out address whose domain is a mail service or has a real public suffix. A match that
        isn't one is tried again a word later ("me at jane dot smith at gmail dot com")."""
        results, position = [], 0
        match = self.regex.search(text, position)
        while match is not None:
            if self._is_address(match):
                results.append(RecognizerResult(EMAIL, match.start(), match.end(), 0.9))
                position = match.end()
            else:
                position = match.start() + len(match.group("local").split()[0])
            match = self.regex.search(text, position)
        return results

    def _is_address(self, match: "re.Match[str]") -> bool:
        """A spelled address with a real domain, and something that says it is one: "dot" or "(at)" written out,
        a mail service's name, or a user name with a digit or a separator ("have a look at gov.uk" is not)."""
        local, domain = match.group("local").lower(), match.group("domain").lower()
        if not SPELLED_WORD.search(match.group()) or local in self.not_local:
            return False
        labels = DOT_WORD.split(domain)
        if len(labels) == 1:
            return labels[0] in MAIL_PROVIDERS
        if not OFFLINE_TLDS(".".join(labels)).fqdn:
            return False
        return labels[0] in MAIL_PROVIDERS or SPELLED_SIGN.search(f"{local} {match.group()}") is not None


class NameRecognizer(TextRecognizer):
    """People's names (bot.privacy.names)."""

    def __init__(self, finder: NameFinder) -> None:
        self.finder = finder
        super().__init__(PERSON, "NameRecognizer")

    def analyze(
        self, text: str, entities: List[str], nlp_artifacts: Optional[NlpArtifacts] = None
    ) -> List[RecognizerResult]:
        """Every name the finder finds."""
        return [RecognizerResult(PERSON, start, end, 0.85) for start, end in self.finder.find(text)]


PROTECTED_SPLIT = re.compile(r"\s*[—–()|;]\s*|\s+-\s+")


def protected_phrases() -> List[str]:
    """Names that must survive as written: the helplines' (split at dashes and brackets) and the gazetteer's
    places of more than one word ("Milton Keynes"). A one-word place is left out of the name lists instead, so
    "my husband Preston" is still a name."""
    helpline_parts = (part for line in helplines().values() for part in PROTECTED_SPLIT.split(line.name))
    places = (surface for surface, _ in default_gazetteer().names() if len(TOKEN.findall(surface)) > 1)
    return [phrase for phrase in (*helpline_parts, *places) if phrase]


def is_known_place(text: str) -> bool:
    """Whether the gazetteer knows `text` as a place (a town, county, London place...)."""
    return default_gazetteer().lookup(text) is not None


def word_recognizers() -> List[TextRecognizer]:
    """The recognizers that find personal data written in words, with no digit, @ or dot needed: run on every
    text, outside Presidio's analyzer (they need no spaCy pass)."""
    lists = NameLists.load(protected=protected_phrases())
    return [
        AddressRecognizer(is_known_place),
        RegexRecognizer(DATE_OF_BIRTH, DATE_OF_BIRTH_PATTERN),
        SpokenPhoneRecognizer(),
        SpelledEmailRecognizer(NEVER | lists.not_names | STOP_WORDS),
        NameRecognizer(NameFinder(lists)),
    ]


def uk_recognizers() -> List[EntityRecognizer]:
    """The recognizers Presidio's analyzer runs on text with a digit, an @ or a dot: Presidio's own and the UK
    ones added here."""
    return [
        RegexRecognizer(PHONE, UK_PHONE_PATTERN),
        PhoneRecognizer(supported_regions=("GB", "IE", "US", "FR", "DE", "PL", "IN", "PK", "NG")),
        OfflineEmailRecognizer(),
        UrlRecognizer(),
        RegexRecognizer(POSTCODE, POSTCODE_PATTERN),
        UkNinoRecognizer(),
        NhsRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        RegexRecognizer(BANK, SORT_CODE_PATTERN),
        RegexRecognizer(BANK, ACCOUNT_NUMBER_PATTERN, score=0.6),
    ]
