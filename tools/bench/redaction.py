"""What redaction finds, what it wrongly finds, and what it costs: `python -m tools.bench.redaction` (part of
`make bench`).

- Recall per kind on a generated set (tools/bench/personal_data.py): the share of messages stored exactly as
  they must be, and the same for a few kinds the redactor does not claim to find (its limits).
- False redactions: every training example (data/nlu/*.yml, data/nlu.yml), every held-out test message
  (tests/nlu_test.yml) and every answer of the assistant, redacted: how many the name recognizer changed
  (none of them names a survivor), and which.
- Cost: `redact()` over the held-out test messages (what survivors type), the same with personal data added
  in digits and in words, and a whole user event as the tracker store redacts it; with the machine's load.
"""

import datetime
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import yaml
from rasa.shared.core.events import UserUttered
from rasa.shared.nlu.training_data.loading import load_data

from bot.assistant.tracker_store import redacted
from bot.privacy import recognizers as found
from bot.privacy.redaction import Redactor, default_redactor, redact
from bot.settings import ROOT
from tools.bench import percentile
from tools.bench.personal_data import KINDS, LIMITS, Sample, generated_set

PERSONAL = ["call me on 07700 900123", "I'm at 12 Acacia Road SE15 4QT", "email jane.doe@example.com", "born 3/4/1985"]
PERSONAL_IN_WORDS = [
    "my name is Sarah", "my husband Kevin Marsh", "I live on Acacia Avenue", "born on the 14th of March",
    "ring oh seven seven double oh nine double one two three", "jane dot doe at gmail dot com",
]
GENERATED_PER_KIND = 300
SEED = 7
TEST_MESSAGES = ROOT / "tests" / "nlu_test.yml"


@dataclass(frozen=True)
class FalseRedactions:
    """Texts the name recognizer changed, out of how many."""

    source: str
    total: int
    changed: Tuple[str, ...]

    @property
    def rate(self) -> float:
        return len(self.changed) / self.total if self.total else 0.0


def held_out_messages() -> List[str]:
    """The held-out test messages: realistic survivor text, never seen in training."""
    return [example.get("text") for example in load_data(str(TEST_MESSAGES)).intent_examples]


def training_messages() -> List[str]:
    """Every training example: data/nlu/*.yml, and data/nlu.yml where there is one."""
    files = sorted((ROOT / "data" / "nlu").glob("*.yml")) + sorted(ROOT.glob("data/nlu.yml"))
    return [example.get("text") for path in files for example in load_data(str(path)).intent_examples]


def assistant_answers() -> List[str]:
    """The assistant's own answers: domain.yml's responses and the response selector's in data/nlu/."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    responses = [domain.get("responses", {})]
    responses += [load_data(str(path)).responses for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))]
    variants = [variant for table in responses for variants in table.values() for variant in variants]
    return [variant["text"] for variant in variants if variant.get("text")]


def changed_by_names(redactor: Redactor, texts: Iterable[str]) -> List[str]:
    """The texts in which the redactor finds a person's name."""
    return [text for text in texts if any(result.entity_type == found.PERSON for result in redactor.analyze(text))]


def false_redactions(redactor: Redactor) -> List[FalseRedactions]:
    """How many training examples, test messages and answers the name recognizer changes: none names anyone."""
    sources = {
        "training examples": training_messages(),
        "held-out test messages": held_out_messages(),
        "the assistant's answers": assistant_answers(),
    }
    return [
        FalseRedactions(name, len(texts), tuple(changed_by_names(redactor, texts))) for name, texts in sources.items()
    ]


def recall(redactor: Redactor, samples: Sequence[Sample]) -> float:
    """The share of samples stored exactly as they must be."""
    return sum(redactor.redact(sample.text) == sample.expected for sample in samples) / len(samples)


@dataclass(frozen=True)
class Timing:
    """Wall-clock time per text, and the process's CPU time per text (steadier on a shared machine)."""

    wall_ms: List[float]
    cpu_ms: float


def timed(texts: List[str], work: Callable[[str], object]) -> Timing:
    spent = []
    cpu_started = time.process_time()
    for text in texts:
        started = time.perf_counter()
        work(text)
        spent.append(1000 * (time.perf_counter() - started))
    return Timing(spent, 1000 * (time.process_time() - cpu_started) / len(texts))


def line(label: str, timing: Timing) -> str:
    values = timing.wall_ms
    return (
        f"  {label:<42} n={len(values):<5} p50 {statistics.median(values):6.2f} ms  "
        f"p95 {percentile(values, 0.95):6.2f} ms  max {max(values):6.2f} ms  CPU {timing.cpu_ms:5.2f} ms a message"
    )


def user_event(text: str) -> object:
    parse_data = {"text": text, "intent": {"name": "find_services", "confidence": 0.9}, "entities": []}
    return redacted(UserUttered(text, parse_data["intent"], [], parse_data))


def print_recall(redactor: Redactor) -> None:
    sets: Dict[str, Dict[str, Sequence[Sample]]] = {
        "claimed": generated_set(GENERATED_PER_KIND, SEED, KINDS),
        "limits (not claimed)": generated_set(GENERATED_PER_KIND, SEED, LIMITS),
    }
    for title, samples_by_kind in sets.items():
        print(f"Recall on the generated set, {title}: {GENERATED_PER_KIND} messages a kind, seed {SEED}")
        for kind, samples in samples_by_kind.items():
            print(f"  {kind:<52} {recall(redactor, samples):6.1%}")


def print_false_redactions(redactor: Redactor) -> None:
    print("False redactions by the name recognizer (texts changed; none of them names a survivor):")
    for result in false_redactions(redactor):
        print(f"  {result.source:<26} {len(result.changed):>4} of {result.total:<5} {result.rate:6.2%}")
        for text in result.changed:
            print(f"      {text[:100]!r} -> {redactor.redact(text)[:100]!r}")


def print_cost() -> None:
    texts = held_out_messages()
    rng = random.Random(6)
    with_personal = [f"{text}, {rng.choice(PERSONAL)}" for text in texts]
    in_words = [f"{text}, {rng.choice(PERSONAL_IN_WORDS)}" for text in texts]
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    now = datetime.datetime.now().isoformat(timespec="minutes")
    print(f"Cost per message, {now}, load average {load} ({os.cpu_count()} cores):")
    print(line("survivor messages as typed", timed(texts, redact)))
    print(line("the same with personal data added", timed(with_personal, redact)))
    print(line("the same with personal data in words added", timed(in_words, redact)))
    print(line("a whole user event (tracker store)", timed(with_personal, user_event)))


def main() -> int:
    started = time.perf_counter()
    redactor = default_redactor()
    print(f"Redaction (Presidio, the project's tokenizer, name lists): loaded in {time.perf_counter() - started:.2f} s")
    print_recall(redactor)
    print_false_redactions(redactor)
    print_cost()
    return 0


if __name__ == "__main__":
    sys.exit(main())
