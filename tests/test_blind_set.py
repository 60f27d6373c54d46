"""The blind set's shape (tests/blind/README.md): big enough, every label valid, and still blind.

These tests read the set and the training data, never the model: the set is scored only by tools/blind_eval.py,
in aggregate. A failure here about overlap means the training data took a blind text: remove it from the
training data (or retire the set as a regression set), never edit the blind set to suit the model.
"""

import re
from collections import Counter
from pathlib import Path
from typing import Iterator, List

import pytest

from bot.settings import ROOT
from tools.blind_set import (
    BLIND_DIR,
    DANGER_NOW,
    DIALOGUE_TURNS,
    MAX_SAYS_DANGER,
    MIN_BY_RISK,
    MIN_DIALOGUES,
    MIN_FIRST_MESSAGES,
    MIN_FOLLOW_UPS,
    MIN_MUST_NOT_NAME,
    WRITTEN,
    Dialogue,
    Item,
    all_texts,
    follow_ups,
    label_problems,
    load_dialogues,
    load_first_messages,
    load_vocabulary,
    normalise,
    trained_or_regression_texts,
)

TRAINING_PATHS = ("config.yml", "domain.yml", "data", "bot", "actions", "rasa_sdk_plugins", "scripts", "tools")
"""What trains the model or runs in Haven: none of it may read the blind set."""
THE_HARNESS = {ROOT / "tools" / "blind_set.py", ROOT / "tools" / "blind_eval.py"}
BLIND_MARKERS = re.compile(r"tests[/\\.]blind|first_messages\.yml|blind_set|blind_eval")
TEXT_SUFFIXES = {"", ".py", ".yml", ".yaml", ".json", ".md", ".csv", ".txt", ".toml", ".cfg", ".sh", ".js", ".html"}
RULES_IN_README = ("never train on", "never edit", "individual results", "regression set", WRITTEN)


@pytest.fixture(scope="module")
def first() -> List[Item]:
    return load_first_messages()


@pytest.fixture(scope="module")
def dialogues() -> List[Dialogue]:
    return load_dialogues()


def test_enough_first_messages(first: List[Item]) -> None:
    assert len(first) >= MIN_FIRST_MESSAGES


@pytest.mark.parametrize("risk", sorted(MIN_BY_RISK))
def test_each_risk_has_its_minimum(first: List[Item], risk: str) -> None:
    assert Counter(item.risk for item in first)[risk] >= MIN_BY_RISK[risk]


def test_danger_messages_are_mostly_indirect(first: List[Item]) -> None:
    """Survivors rarely write "I'm in danger"; a set that did would flatter the model."""
    danger = [item.text for item in first if item.risk == DANGER_NOW]
    assert sum("danger" in text.lower() for text in danger) <= MAX_SAYS_DANGER * len(danger)


def test_enough_questions_a_specialist_route_must_not_answer(first: List[Item]) -> None:
    assert sum(bool(item.must_not_name) for item in first) >= MIN_MUST_NOT_NAME


def test_enough_dialogues_of_the_right_length(dialogues: List[Dialogue]) -> None:
    low, high = DIALOGUE_TURNS
    assert len(dialogues) >= MIN_DIALOGUES
    assert all(low <= len(dialogue.turns) <= high for dialogue in dialogues)


def test_enough_follow_ups_after_danger(dialogues: List[Dialogue]) -> None:
    assert sum(follow_ups(dialogue) for dialogue in dialogues) >= MIN_FOLLOW_UPS


def test_every_label_is_valid(first: List[Item], dialogues: List[Dialogue]) -> None:
    """Intents exist in domain.yml (answers in the topics' responses), helplines in helplines.csv, and so on."""
    problems = label_problems(first, dialogues, load_vocabulary())
    assert not problems, "\n".join(problems)


def test_no_duplicate_texts(first: List[Item], dialogues: List[Dialogue]) -> None:
    counts = Counter(normalise(text) for text in all_texts(first, dialogues))
    assert not [text for text, count in counts.items() if count > 1]


def test_no_blind_text_is_in_the_training_data_or_the_regression_set(
    first: List[Item], dialogues: List[Dialogue]
) -> None:
    """A blind text the model was trained on, or the team tuned to, measures nothing."""
    seen = trained_or_regression_texts()
    overlap = sorted({normalise(text) for text in all_texts(first, dialogues)} & seen)
    assert not overlap, f"{len(overlap)} blind texts are in data/ or tests/nlu_test.yml: take them out there"


def _files(place: Path) -> Iterator[Path]:
    paths = [place] if place.is_file() else sorted(place.rglob("*"))
    for path in paths:
        if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
            yield path


def test_nothing_that_trains_or_runs_haven_reads_the_blind_set() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for place in TRAINING_PATHS
        for path in _files(ROOT / place)
        if path not in THE_HARNESS and BLIND_MARKERS.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not readers


def test_training_reads_data_only() -> None:
    """make train passes --data data, and its inputs are domain, config and data/: never tests/."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    train = [line for line in makefile if re.search(r"\brasa\b.*\btrain\b|\$\(RASA\) train", line)]
    inputs = [line for line in makefile if line.startswith("TRAINING_INPUTS")]
    assert train and all("--data data" in line and "tests" not in line for line in train)
    assert inputs and all("tests" not in line for line in inputs)


def test_the_readme_states_the_rules() -> None:
    readme = (BLIND_DIR / "README.md").read_text(encoding="utf-8").lower()
    assert all(rule.lower() in readme for rule in RULES_IN_README)
