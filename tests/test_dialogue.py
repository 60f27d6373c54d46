"""Rasa's own checks, as part of `make test`: the data validates cleanly and every test story passes."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Set

import yaml

from bot.settings import ROOT

RASA = str(Path(sys.executable).with_name("rasa"))
RASA_WARNING = re.compile(r"UserWarning: (.*)")
RETRIEVAL_TOPICS = (
    "chat_info, chitchat, clares_law, online_safety, police_officer, protection, recognise, reporting, specialist"
)
EXPECTED_WARNING = f"The following duplicated intents have been found across multiple domain files: {RETRIEVAL_TOPICS}"
"""Rasa 3.6 merges a domain built from the retrieval answers in data/ into domain.yml and calls the
retrieval intents listed in both "duplicated"; leaving them out of domain.yml instead makes every rule
that uses them warn. This exact message is expected; so are the unused-utterance notes below."""


UNUSED_UTTERANCE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")


def _used_outside_stories() -> Set[str]:
    """Responses Rasa's validator can't see being used: form questions, the core fallback's
    `utter_default`, and responses that custom actions send by name."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    form_questions = {f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]}
    sent_by_actions = {
        name
        for path in (ROOT / "actions").glob("*.py")
        for name in re.findall(r'response="(utter_\w+)"', path.read_text())
    }
    return form_questions | sent_by_actions | {"utter_default"}


def _unexpected(message: str) -> bool:
    unused = UNUSED_UTTERANCE.fullmatch(message.strip())
    if unused:
        return unused.group(1) not in _used_outside_stories()
    return message.strip() != EXPECTED_WARNING


def _rasa(*args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_training_data_validates_without_warnings() -> None:
    result = _rasa("data", "validate", "--fail-on-warnings")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [message for message in RASA_WARNING.findall(output) if _unexpected(message)]
    assert warnings == []


def test_every_test_story_passes(trained_model: Path, tmp_path: Path) -> None:
    result = _rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/test_stories.yml",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, details
