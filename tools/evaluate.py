"""`make eval`: measure the assistant and print one table.

- 5-fold cross-validated intent macro-F1 (`rasa test nlu --cross-validation`), with the weakest intents;
- on the held-out tests/nlu_test.yml: accuracy, danger recall and the false-positive rate;
- test-story accuracy (`rasa test core`);
- training time (written by `make train`), model load time and process memory.

Exits non-zero when a quality bar is missed, so the numbers are never just decoration.
"""

import argparse
import asyncio
import json
import logging
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY

from bot.settings import ROOT

logger = logging.getLogger(__name__)

RESULTS = ROOT / "var" / "results"
MODEL = ROOT / "models" / "haven.tar.gz"
TEST_SET = ROOT / "tests" / "nlu_test.yml"
TEST_STORIES = ROOT / "tests" / "test_stories.yml"
TRAINING_SECONDS = RESULTS / "training-seconds"
DANGER_INTENT = "immediate_danger"

MIN_MACRO_F1 = 0.90
MIN_DANGER_RECALL = 1.0
MAX_FALSE_POSITIVE_RATE = 0.02
WEAKEST_SHOWN = 5


@dataclass(frozen=True)
class Row:
    """One line of the report: what, the measured value, the bar, and whether it was met."""

    name: str
    value: str
    target: str = ""
    met: Optional[bool] = None


def _rasa(*args: str) -> None:
    command = [str(Path(sys.executable).with_name("rasa")), *args]
    logger.info("Running %s", " ".join(command))
    subprocess.run(command, cwd=ROOT, check=True)


@dataclass(frozen=True)
class CrossValidation:
    """What Rasa's cross-validation reports: intents, and the answer picked within a topic."""

    intent_macro_f1: float
    weakest: List[Tuple[str, float]]
    answer_accuracy: float


def _per_label_f1(report: Dict[str, Any]) -> List[Tuple[str, float]]:
    return [
        (name, float(scores["f1-score"]))
        for name, scores in report.items()
        if isinstance(scores, dict) and "support" in scores and name not in {"macro avg", "weighted avg", "micro avg"}
    ]


def _accuracy(report: Dict[str, Any]) -> float:
    """sklearn's report has "accuracy" unless some labels were never predicted; then micro-F1 is the same."""
    return float(report["accuracy"] if "accuracy" in report else report["micro avg"]["f1-score"])


def cross_validation(folds: int) -> CrossValidation:
    """Intent macro-F1 with the weakest intents, and how often the right topic answer was chosen."""
    out = RESULTS / "cross-validation"
    _rasa("test", "nlu", "--nlu", "data", "--config", "config.yml", "--cross-validation",
          "--folds", str(folds), "--out", str(out))
    intents: Dict[str, Any] = json.loads((out / "intent_report.json").read_text())
    answers: Dict[str, Any] = json.loads((out / "response_selection_report.json").read_text())
    weakest = sorted(_per_label_f1(intents), key=lambda item: item[1])[:WEAKEST_SHOWN]
    return CrossValidation(float(intents["macro avg"]["f1-score"]), weakest, _accuracy(answers))


async def held_out(agent: Any) -> Dict[str, Any]:
    """Danger recall, false positives and accuracy on the held-out test set."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(TEST_SET)).training_examples
    danger_total = danger_hit = others_total = false_alarms = correct = net_fired = 0
    answers_total = answers_right = 0
    missed: List[str] = []
    for example in examples:
        parsed = await agent.parse_message(example.get("text"))
        predicted, expected = parsed["intent"]["name"], example.get("intent")
        correct += predicted == expected
        net_fired += bool(parsed.get("safety_net"))
        if example.get(INTENT_RESPONSE_KEY):
            answers_total += 1
            answers_right += _selected_answer(parsed) == example.get(INTENT_RESPONSE_KEY)
        if expected == DANGER_INTENT:
            danger_total += 1
            danger_hit += predicted == DANGER_INTENT
            if predicted != DANGER_INTENT:
                missed.append(example.get("text"))
        else:
            others_total += 1
            false_alarms += predicted == DANGER_INTENT
    return {
        "examples": len(examples),
        "accuracy": correct / len(examples),
        "danger_total": danger_total,
        "danger_recall": danger_hit / danger_total,
        "false_positive_rate": false_alarms / others_total,
        "false_alarms": false_alarms,
        "others_total": others_total,
        "net_fired": net_fired,
        "answer_accuracy": answers_right / answers_total if answers_total else 0.0,
        "answers_total": answers_total,
        "missed": missed,
    }


def _selected_answer(parsed: Dict[str, Any]) -> Optional[str]:
    """The topic answer the response selector picked ("reporting/anonymous"), if any."""
    selected = parsed.get("response_selector", {}).get("default", {}).get("response", {})
    return selected.get(INTENT_RESPONSE_KEY)


def story_accuracy() -> Tuple[int, int]:
    """(failed, total) test stories from `rasa test core`."""
    out = RESULTS / "core"
    _rasa("test", "core", "--model", str(MODEL), "--stories", str(TEST_STORIES), "--out", str(out))
    total = TEST_STORIES.read_text().count("- story:")
    failed_file = out / "failed_test_stories.yml"
    failed = failed_file.read_text().count("- story:") if failed_file.exists() else 0
    return failed, total


def _load_agent() -> Tuple[Any, float]:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(str(MODEL))
    return agent, time.perf_counter() - started


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _training_seconds() -> str:
    return TRAINING_SECONDS.read_text().strip() + " s" if TRAINING_SECONDS.exists() else "not recorded"


def measure(folds: int, skip_cross_validation: bool) -> List[Row]:
    """Run every measurement and return the report rows."""
    rows: List[Row] = []
    if not skip_cross_validation:
        cv = cross_validation(folds)
        rows.append(Row(f"intent macro-F1 ({folds}-fold CV)", f"{cv.intent_macro_f1:.3f}", f"≥ {MIN_MACRO_F1}",
                        cv.intent_macro_f1 >= MIN_MACRO_F1))
        rows.append(Row("weakest intents (CV F1)", ", ".join(f"{name} {f1:.2f}" for name, f1 in cv.weakest)))
        rows.append(Row("topic answer accuracy (CV)", f"{cv.answer_accuracy:.3f}"))
    agent, load_seconds = _load_agent()
    scores = asyncio.run(held_out(agent))
    rows += [
        Row("held-out intent accuracy", f"{scores['accuracy']:.3f} ({scores['examples']} msgs)"),
        Row("danger recall (held-out)", f"{scores['danger_recall']:.3f} of {scores['danger_total']}",
            "= 1.0", scores["danger_recall"] >= MIN_DANGER_RECALL),
        Row("danger false-positive rate", f"{scores['false_positive_rate']:.3f} "
            f"({scores['false_alarms']}/{scores['others_total']})", f"≤ {MAX_FALSE_POSITIVE_RATE}",
            scores["false_positive_rate"] <= MAX_FALSE_POSITIVE_RATE),
        Row("safety net fired (held-out)", str(scores["net_fired"])),
        Row("topic answer accuracy (held-out)", f"{scores['answer_accuracy']:.3f} ({scores['answers_total']} msgs)"),
    ]
    failed, total = story_accuracy()
    rows += [
        Row("test stories passing", f"{total - failed}/{total}", "all", failed == 0),
        Row("training time (make train)", _training_seconds(), "≤ 300 s"),
        Row("model load time", f"{load_seconds:.1f} s"),
        Row("eval process max RSS", f"{_rss_mb():.0f} MB"),
    ]
    for text in scores["missed"]:
        logger.warning("Danger phrasing missed: %s", text)
    return rows


def render(rows: List[Row]) -> str:
    """The report as an aligned plain-text table."""
    width = max(len(row.name) for row in rows)
    value_width = max(len(row.value) for row in rows)
    lines = [f"{'measure'.ljust(width)}  {'value'.ljust(value_width)}  target   ok"]
    for row in rows:
        ok = "" if row.met is None else ("yes" if row.met else "NO")
        lines.append(f"{row.name.ljust(width)}  {row.value.ljust(value_width)}  {row.target.ljust(7)}  {ok}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-cross-validation", action="store_true", help="held-out and stories only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    rows = measure(args.folds, args.skip_cross_validation)
    report = render(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "eval.txt").write_text(report + "\n")
    print("\n" + report)
    return 0 if all(row.met is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
