"""How long redaction adds to a turn: `python -m tools.bench.redaction` (part of `make bench`).

Times `redact()` over the held-out NLU test messages (what survivors type), the same messages with
personal data added, and a whole user event as the tracker store redacts it before writing.
"""

import random
import statistics
import sys
import time
from typing import Callable, List

from rasa.shared.core.events import UserUttered
from rasa.shared.nlu.training_data.loading import load_data

from bot.assistant.tracker_store import redacted
from bot.privacy.redaction import default_redactor, redact
from bot.settings import ROOT
from tools.bench import percentile

PERSONAL = ["call me on 07700 900123", "I'm at 12 Acacia Road SE15 4QT", "email jane.doe@example.com", "born 3/4/1985"]


def messages() -> List[str]:
    """The held-out test messages: realistic survivor text, never seen in training."""
    return [example.get("text") for example in load_data(str(ROOT / "tests" / "nlu_test.yml")).intent_examples]


def timings_ms(texts: List[str], work: Callable[[str], object]) -> List[float]:
    spent = []
    for text in texts:
        started = time.perf_counter()
        work(text)
        spent.append(1000 * (time.perf_counter() - started))
    return spent


def line(label: str, values: List[float]) -> str:
    p95 = percentile(values, 0.95)
    return (
        f"  {label:<38} n={len(values):<5} mean {statistics.mean(values):6.2f} ms  "
        f"p50 {statistics.median(values):6.2f} ms  p95 {p95:6.2f} ms  max {max(values):6.2f} ms"
    )


def user_event(text: str) -> object:
    parse_data = {"text": text, "intent": {"name": "find_services", "confidence": 0.9}, "entities": []}
    return redacted(UserUttered(text, parse_data["intent"], [], parse_data))


def main() -> int:
    started = time.perf_counter()
    default_redactor()
    print(f"Redaction (Presidio + project spaCy pipeline): loaded in {time.perf_counter() - started:.2f} s")
    texts = messages()
    rng = random.Random(6)
    with_personal = [f"{text}, {rng.choice(PERSONAL)}" for text in texts]
    print(line("survivor messages as typed", timings_ms(texts, redact)))
    print(line("the same with personal data added", timings_ms(with_personal, redact)))
    print(line("a whole user event (tracker store)", timings_ms(with_personal, user_event)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
