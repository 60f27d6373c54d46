"""What counts as personal data in a UK survivor's message: Presidio recognizers, UK-specific ones added.

Each recognizer finds one kind of personal data; `bot.privacy.redaction` decides what replaces it.
Patterns are generous on purpose: redacting a harmless number costs nothing, keeping a survivor's
phone number in the database could cost a great deal.
"""

import logging
import re
from typing import Callable, List, Optional

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

MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?[\s/.\-]+(?:\d{{1,2}}|(?:{MONTHS})[a-z]*)[\s/.\-,]+\d{{2,4}}"
    rf"|(?:{MONTHS})[a-z]*\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}})"
)
DATE_OF_BIRTH_PATTERN = (
    rf"\b(?:born|dob|d\.o\.b\.?|date of birth|birthday|bday)(?:\s*(?:is|was|on|:|-))*\s*(?P<value>{DATE})"
)
"""A full date after born / DOB / date of birth / birthday; other dates in a story are kept."""

SORT_CODE_PATTERN = r"(?<![\d\-])\d{2}[\-–]\d{2}[\-–]\d{2}(?![\d\-])|sort\s*code\W{0,3}(?P<value>\d{2}\s?\d{2}\s?\d{2})"
ACCOUNT_NUMBER_PATTERN = r"(?<![\d\-])\d{8}(?![\d\-])"


class RegexRecognizer(LocalRecognizer):
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
        super().__init__(supported_entities=[entity], name=f"{entity.title()}Recognizer")

    def load(self) -> None:
        """Nothing to load: the regex is compiled in __init__."""

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


def uk_recognizers() -> List[EntityRecognizer]:
    """Every recognizer the redactor uses, Presidio's own and the UK ones added here."""
    return [
        RegexRecognizer(PHONE, UK_PHONE_PATTERN),
        PhoneRecognizer(supported_regions=("GB", "IE", "US", "FR", "DE", "PL", "IN", "PK", "NG")),
        OfflineEmailRecognizer(),
        UrlRecognizer(),
        RegexRecognizer(POSTCODE, POSTCODE_PATTERN),
        RegexRecognizer(ADDRESS, ADDRESS_PATTERN),
        RegexRecognizer(DATE_OF_BIRTH, DATE_OF_BIRTH_PATTERN),
        UkNinoRecognizer(),
        NhsRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        RegexRecognizer(BANK, SORT_CODE_PATTERN),
        RegexRecognizer(BANK, ACCOUNT_NUMBER_PATTERN, score=0.6),
    ]
