"""Redaction: personal data out of text before it is stored, logged or shown in a preview.

`redact(text)` is the one function everything calls: the tracker store (every event before it is
written), the log record factory, and later the staff handoff preview. It uses Microsoft Presidio with
the project's own spaCy pipeline's tokenizer (var/spacy/haven_en, no downloaded model) and the recognizers in
`bot.privacy.recognizers`; people's names are found by `bot.privacy.names`. A postcode keeps its district
("SE15 4QT" -> "SE15 [postcode]"), a link keeps its site ("facebook.com/[link]"), everything else becomes a
label such as "[phone number]" or "[name]".

The public helpline numbers in data/facts/helplines.csv are not personal data and are never redacted,
so a transcript still shows which number the assistant gave.
"""

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Tuple

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngine, NlpEngineProvider
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from bot.facts import helplines
from bot.privacy import recognizers as found
from bot.settings import ROOT

logger = logging.getLogger(__name__)

SPACY_PIPELINE = ROOT / "var" / "spacy" / "haven_en"
LANGUAGE = "en"
NO_NER: Dict[str, object] = {
    "model_to_presidio_entity_mapping": {},
    "low_score_entity_names": [],
    "labels_to_ignore": [],
}
"""Presidio reads no entity from the pipeline (said in full, so Presidio doesn't warn at start about each key)."""
PRESIDIO_LOGGER = "presidio-analyzer"
"""Presidio logs each recognizer it loads at INFO: noise in every process's log."""
MIN_SCORE = 0.3
WARM_UP = "call 07700 900123 at 1 Example Road, SE15 4QT, a@example.com, example.com/me"
"""Redacted once at start-up, so the first survivor's turn doesn't pay Presidio's lazy set-up (~0.4 s)."""
LABELS: Dict[str, str] = {
    found.PHONE: "[phone number]",
    found.EMAIL: "[email]",
    found.ADDRESS: "[address]",
    found.DATE_OF_BIRTH: "[date of birth]",
    found.NI_NUMBER: "[NI number]",
    found.NHS_NUMBER: "[NHS number]",
    found.CARD: "[card number]",
    found.BANK: "[bank details]",
    found.IBAN: "[bank details]",
    found.PERSON: "[name]",
}
POSTCODE = re.compile(found.POSTCODE_PATTERN, re.IGNORECASE)
MIGHT_HOLD_PERSONAL_DATA = re.compile(r"[\d@.]")
"""Presidio's recognizers all need a digit, an @ or a dot: text without one (most messages) only goes through
the recognizers of data written in words, which need no spaCy pass."""
CLEAN_TEXTS_REMEMBERED = 4096
"""How many texts found to hold nothing personal are remembered (as digests) so they aren't analysed again."""
URL_SITE = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://)?(?:www\d{0,3}\.)?(?P<site>[^/?#\s]+)(?P<rest>.*)$", re.IGNORECASE)


def keep_district(postcode: str) -> str:
    """ "SE15 4QT" -> "SE15 [postcode]": the district is enough to find local help."""
    match = POSTCODE.search(postcode)
    return f"{match.group('district').upper()} [postcode]" if match else "[postcode]"


def keep_site(url: str) -> str:
    """ "https://www.facebook.com/jane.doe.77" -> "facebook.com/[link]"; a bare site is kept as it is."""
    match = URL_SITE.match(url)
    if match is None:
        return "[link]"
    rest = match.group("rest").strip("/")
    return f"{match.group('site')}/[link]" if rest else url


def labelled(label: str) -> Callable[[str], str]:
    """An operator replacing a span with `label`, keeping the spaces some patterns take in at their edges."""

    def replace(span: str) -> str:
        return span[: len(span) - len(span.lstrip())] + label + span[len(span.rstrip()) :]

    return replace


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _overlap(one: RecognizerResult, other: RecognizerResult) -> bool:
    return one.start < other.end and other.start < one.end


class CleanTexts:
    """Digests of texts Presidio found nothing personal in, most recently seen kept.

    The assistant's own messages carry the helpline numbers, so every one of them went through Presidio's
    phone recognizer before it was stored: a fifth of the Rasa server's CPU under load. They repeat, so
    the verdict is remembered. Only a 128-bit digest is kept, never the text, and only for a text with
    nothing to redact: a text with personal data is analysed every time."""

    def __init__(self, size: int = CLEAN_TEXTS_REMEMBERED) -> None:
        self.size = size
        self._digests: "OrderedDict[bytes, None]" = OrderedDict()
        self._lock = threading.Lock()  # log records are redacted on any thread

    @staticmethod
    def digest(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def __contains__(self, text: str) -> bool:
        key = self.digest(text)
        with self._lock:
            if key not in self._digests:
                return False
            self._digests.move_to_end(key)
            return True

    def add(self, text: str) -> None:
        key = self.digest(text)
        with self._lock:
            self._digests[key] = None
            self._digests.move_to_end(key)
            while len(self._digests) > self.size:
                self._digests.popitem(last=False)

    def __len__(self) -> int:
        return len(self._digests)

    @property
    def digests(self) -> Tuple[bytes, ...]:
        """What is remembered, least recently seen first: digests only, so it can be shown that no text is."""
        with self._lock:
            return tuple(self._digests)


class Redactor:
    """Presidio's analyzer and anonymizer, set up once per process (loading takes about a second)."""

    def __init__(self, pipeline: Path = SPACY_PIPELINE) -> None:
        if not (pipeline / "meta.json").exists():
            raise FileNotFoundError(f"No spaCy pipeline at {pipeline}: run `make nlp` (make run does it for you).")
        logging.getLogger(PRESIDIO_LOGGER).setLevel(logging.WARNING)
        registry = RecognizerRegistry()
        for recognizer in found.uk_recognizers():
            registry.add_recognizer(recognizer)
        self.word_recognizers = found.word_recognizers()
        self.analyzer = AnalyzerEngine(
            nlp_engine=_nlp_engine(pipeline), registry=registry, supported_languages=[LANGUAGE]
        )
        self.anonymizer = AnonymizerEngine()
        self.operators = {
            **{entity: OperatorConfig("custom", {"lambda": labelled(label)}) for entity, label in LABELS.items()},
            found.POSTCODE: OperatorConfig("custom", {"lambda": keep_district}),
            found.URL: OperatorConfig("custom", {"lambda": keep_site}),
            "DEFAULT": OperatorConfig("replace", {"new_value": "[personal data]"}),
        }
        self.public_numbers: FrozenSet[str] = frozenset(_digits(line.number) for line in helplines().values())
        self.clean = CleanTexts()
        self.redact(WARM_UP)

    def redact(self, text: str) -> str:
        """`text` with every piece of personal data replaced by a label."""
        patterned = MIGHT_HOLD_PERSONAL_DATA.search(text) is not None
        if patterned and text in self.clean:
            return text
        results = self._without_public_numbers(text, self.analyze(text))
        if not results:
            if patterned:
                self.clean.add(text)
            return text
        anonymized = self.anonymizer.anonymize(
            text=text,
            analyzer_results=results,  # type: ignore[arg-type]  # Presidio's two RecognizerResult types agree
            operators=self.operators,
        )
        return str(anonymized.text)

    def analyze(self, text: str) -> List[RecognizerResult]:
        """Everything personal found in `text`, the public helpline numbers not yet set aside: the word
        recognizers always, Presidio's analyzer when the text has a digit, an @ or a dot (the one call to it,
        so what reaches it can be observed)."""
        results = [
            result
            for recognizer in self.word_recognizers
            for result in recognizer.analyze(text, recognizer.supported_entities)
        ]
        if MIGHT_HOLD_PERSONAL_DATA.search(text):
            results.extend(self.analyzer.analyze(text=text, language=LANGUAGE, score_threshold=MIN_SCORE))
        return EntityRecognizer.remove_duplicates(results)

    def _without_public_numbers(self, text: str, results: List[RecognizerResult]) -> List[RecognizerResult]:
        """`results` less the public helpline numbers and anything found inside one ("0808 801 0327" also reads
        as the start of an NI number)."""
        public = [result for result in results if self._is_public_number(text, result)]
        return [result for result in results if not any(_overlap(result, number) for number in public)]

    def _is_public_number(self, text: str, result: RecognizerResult) -> bool:
        return result.entity_type == found.PHONE and _digits(text[result.start : result.end]) in self.public_numbers


def _nlp_engine(pipeline: Path) -> NlpEngine:
    """The project pipeline's tokenizer only. Its entity ruler finds places, needs and groups for the assistant,
    which are not personal data and which no recognizer reads: a fifth of Presidio's time per text, saved."""
    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": LANGUAGE, "model_name": str(pipeline)}],
        "ner_model_configuration": NO_NER,
    }
    engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
    nlp = engine.nlp[LANGUAGE]  # type: ignore[attr-defined]  # the spaCy engine's pipelines by language
    for component in nlp.pipe_names:
        nlp.disable_pipe(component)
    return engine


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    """The process's redactor, created on first use."""
    return Redactor()


def redact(text: str) -> str:
    """`text` with personal data replaced by labels (people's names, phone numbers and emails, also written
    out in words, postcodes beyond the district, street addresses and house names, dates of birth, NI/NHS
    numbers, card and bank details, links to personal pages)."""
    return default_redactor().redact(text)
