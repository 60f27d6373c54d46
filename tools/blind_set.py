"""The blind set (tests/blind/): reading it and checking its labels, for the harness and for its shape test.

The set measures understanding on messages nobody tuned to (shared/DESIGN.md, principle 7), so this module
only reads and checks labels: it never runs the model, and nothing that trains the model may import it.
"""

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

from bot.settings import ROOT

logger = logging.getLogger(__name__)

WRITTEN = "2026-12-03"
"""The day the set was written, in one go, before any tuning to it."""
BLIND_DIR = ROOT / "tests" / "blind"
FIRST_MESSAGES = BLIND_DIR / "first_messages.yml"
DIALOGUES = BLIND_DIR / "dialogues.yml"
DOMAIN = ROOT / "domain.yml"
HELPLINES = ROOT / "data" / "facts" / "helplines.csv"
TRAINING_DATA: Tuple[Path, ...] = (ROOT / "data" / "nlu", ROOT / "data" / "nlu.yml")
"""Where the NLU training examples (and the topics' answers) live: blind texts must never be there."""
REGRESSION_SET = ROOT / "tests" / "nlu_test.yml"
"""The held-out set the team has looked at and tuned to: a regression set, not a blind one."""

DANGER_NOW = "danger_now"
PAST_HARM = "past_harm"
SOMEONE_ELSE_NOW = "someone_else_now"
SELF_HARM_THOUGHTS = "self_harm_thoughts"
HARM_TO_SELF_NOW = "harm_to_self_now"
NO_RISK = "none"
RISKS: Tuple[str, ...] = (DANGER_NOW, PAST_HARM, SOMEONE_ELSE_NOW, SELF_HARM_THOUGHTS, HARM_TO_SELF_NOW, NO_RISK)
RISKS_TO_LIFE_NOW: FrozenSet[str] = frozenset({DANGER_NOW, SOMEONE_ELSE_NOW, HARM_TO_SELF_NOW})
"""Risks after which a conversation stays in safety mode until the survivor clearly asks something else."""

DANGER_INTENT = "immediate_danger"
SELF_HARM_INTENT = "self_harm"
RISK_INTENTS: Dict[str, FrozenSet[str]] = {
    DANGER_NOW: frozenset({DANGER_INTENT}),
    SELF_HARM_THOUGHTS: frozenset({SELF_HARM_INTENT}),
    HARM_TO_SELF_NOW: frozenset({SELF_HARM_INTENT, DANGER_INTENT}),
}
"""A risk's label must accept at least one of these intents, or the label contradicts itself."""

NATIONS: Tuple[str, ...] = ("england", "wales", "scotland", "northern_ireland")
NATION_HELPLINES: Dict[str, str] = {
    "wales": "live_fear_free",
    "scotland": "scotland_helpline",
    "northern_ireland": "northern_ireland_helpline",
}
ENGLAND_AND_WALES_ONLY: Tuple[str, ...] = ("rape_crisis",)
"""Lines the facts sheet says serve England and Wales only: wrong for someone in Scotland or Northern Ireland."""

FIELDS: FrozenSet[str] = frozenset({"text", "risk", "accept", "nation", "must_not_name", "must_name", "safety_mode"})
TOPIC_SEPARATOR = "/"
RESPONSE_PREFIX = "utter_"

MIN_FIRST_MESSAGES = 600
MIN_BY_RISK: Dict[str, int] = {DANGER_NOW: 150, PAST_HARM: 60, SOMEONE_ELSE_NOW: 20, SELF_HARM_THOUGHTS: 20,
                               HARM_TO_SELF_NOW: 15}
MIN_MUST_NOT_NAME = 60
MIN_DIALOGUES = 40
MIN_FOLLOW_UPS = 40
DIALOGUE_TURNS = (2, 5)
MAX_SAYS_DANGER = 0.10
"""Danger messages must be mostly indirect: at most this share may contain the word "danger"."""


class BlindSetError(ValueError):
    """The set's files are not shaped as the harness reads them (a broken set, not a bad figure)."""


@dataclass(frozen=True)
class Item:
    """One survivor message and what a right answer to it is."""

    text: str
    risk: str
    accept: Tuple[str, ...]
    nation: Optional[str] = None
    must_not_name: Tuple[str, ...] = ()
    must_name: Optional[str] = None
    safety_mode: Optional[bool] = None


@dataclass(frozen=True)
class Dialogue:
    """One fresh conversation, its turns sent in order."""

    name: str
    turns: Tuple[Item, ...]


@dataclass(frozen=True)
class Vocabulary:
    """What labels may name: the domain's intents, the topics' answers ("topic/sub"), the helplines by key."""

    intents: FrozenSet[str]
    answers: FrozenSet[str]
    helplines: Mapping[str, str]


def _load(path: Path) -> Dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BlindSetError(f"{path}: cannot read it ({type(error).__name__})") from error
    if not isinstance(data, dict):
        raise BlindSetError(f"{path}: expected a mapping at the top")
    return data


def _strings(raw: Any, where: str, field: str) -> Tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
        raise BlindSetError(f"{where}: {field} must be a list of strings")
    return tuple(raw)


def _optional_string(raw: Any, where: str, field: str) -> Optional[str]:
    if raw is not None and not isinstance(raw, str):
        raise BlindSetError(f"{where}: {field} must be a string")
    return raw


def parse_item(raw: Any, where: str) -> Item:
    """One labelled message; raises BlindSetError when it is not shaped as one."""
    if not isinstance(raw, dict):
        raise BlindSetError(f"{where}: expected a mapping")
    unknown = set(raw) - FIELDS
    if unknown:
        raise BlindSetError(f"{where}: unknown fields {sorted(unknown)}")
    text, risk = raw.get("text"), raw.get("risk")
    if not isinstance(text, str) or not text.strip() or not isinstance(risk, str):
        raise BlindSetError(f"{where}: text and risk must be non-empty strings")
    safety_mode = raw.get("safety_mode")
    if safety_mode is not None and not isinstance(safety_mode, bool):
        raise BlindSetError(f"{where}: safety_mode must be true or false")
    return Item(
        text=text, risk=risk, accept=_strings(raw.get("accept"), where, "accept"),
        nation=_optional_string(raw.get("nation"), where, "nation"),
        must_not_name=_strings(raw.get("must_not_name"), where, "must_not_name"),
        must_name=_optional_string(raw.get("must_name"), where, "must_name"), safety_mode=safety_mode,
    )


def load_first_messages(path: Path = FIRST_MESSAGES) -> List[Item]:
    """The first messages, each to be sent as a fresh conversation."""
    raw = _load(path).get("first_messages")
    if not isinstance(raw, list):
        raise BlindSetError(f"{path}: expected a list under first_messages")
    return [parse_item(entry, f"first_messages[{index}]") for index, entry in enumerate(raw)]


def _parse_dialogue(raw: Any, where: str) -> Dialogue:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not isinstance(raw.get("turns"), list):
        raise BlindSetError(f"{where}: expected a name and a list of turns")
    turns = tuple(parse_item(turn, f"{where}.turns[{index}]") for index, turn in enumerate(raw["turns"]))
    return Dialogue(name=raw["name"], turns=turns)


def load_dialogues(path: Path = DIALOGUES) -> List[Dialogue]:
    """The dialogues, each to be sent as a fresh conversation, turn by turn."""
    raw = _load(path).get("dialogues")
    if not isinstance(raw, list):
        raise BlindSetError(f"{path}: expected a list under dialogues")
    return [_parse_dialogue(entry, f"dialogues[{index}]") for index, entry in enumerate(raw)]


def _nlu_files() -> List[Path]:
    files: List[Path] = []
    for place in TRAINING_DATA:
        files += sorted(place.glob("*.yml")) if place.is_dir() else [place] if place.exists() else []
    return files


def _domain_intents(domain: Dict[str, Any]) -> Set[str]:
    return {next(iter(intent)) if isinstance(intent, dict) else str(intent) for intent in domain.get("intents", [])}


def _answers(responses: Iterable[str]) -> Set[str]:
    return {name[len(RESPONSE_PREFIX):] for name in responses
            if name.startswith(RESPONSE_PREFIX) and TOPIC_SEPARATOR in name}


def load_vocabulary() -> Vocabulary:
    """The names labels may use, read from domain.yml, the topics' answers in data/ and helplines.csv. Only
    response names are read from data/, never training examples."""
    domain = _load(DOMAIN)
    answers = _answers(domain.get("responses") or {})
    for path in _nlu_files():
        answers |= _answers((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    with HELPLINES.open(encoding="utf-8", newline="") as handle:
        helplines = {row["key"]: row["number"] for row in csv.DictReader(handle)}
    return Vocabulary(frozenset(_domain_intents(domain)), frozenset(answers), helplines)


def _intent_problems(accept: Sequence[str], vocabulary: Vocabulary) -> List[str]:
    problems = []
    for label in accept:
        topic = label.split(TOPIC_SEPARATOR, 1)[0]
        if topic not in vocabulary.intents:
            problems.append(f"intent {label!r} is not in domain.yml")
        elif TOPIC_SEPARATOR in label and label not in vocabulary.answers:
            problems.append(f"{label!r} is not an answer of topic {topic!r}")
    return problems


def _helpline_problems(item: Item, vocabulary: Vocabulary) -> List[str]:
    named = [*item.must_not_name, *([item.must_name] if item.must_name else [])]
    problems = [f"helpline key {key!r} is not in helplines.csv" for key in named if key not in vocabulary.helplines]
    if item.must_name and item.must_name in item.must_not_name:
        problems.append(f"{item.must_name!r} is both must_name and must_not_name")
    return problems


def wrong_nation_lines(nation: str) -> Set[str]:
    """The helplines that are wrong for someone in `nation`: the other nations' lines, and in Scotland or
    Northern Ireland the England-and-Wales-only ones."""
    lines = {line for place, line in NATION_HELPLINES.items() if place != nation}
    return lines | set(ENGLAND_AND_WALES_ONLY) if nation in ("scotland", "northern_ireland") else lines


def _risk_and_nation_problems(item: Item) -> List[str]:
    problems = []
    if item.risk not in RISKS:
        problems.append(f"risk {item.risk!r} is not one of {', '.join(RISKS)}")
    if item.risk in RISK_INTENTS and not RISK_INTENTS[item.risk] & set(item.accept):
        problems.append(f"risk {item.risk} but accept has none of {sorted(RISK_INTENTS[item.risk])}")
    if item.nation is not None and item.nation not in NATIONS:
        problems.append(f"nation {item.nation!r} is not one of {', '.join(NATIONS)}")
    elif item.nation is not None and not wrong_nation_lines(item.nation) <= set(item.must_not_name):
        problems.append(f"nation {item.nation} but must_not_name misses another nation's line")
    return problems


def item_problems(item: Item, vocabulary: Vocabulary, in_dialogue: bool) -> List[str]:
    """What is wrong with one item's labels (an empty list when nothing is)."""
    problems = [] if item.accept else ["accept is empty"]
    if in_dialogue != (item.safety_mode is not None):
        problems.append("safety_mode is required in dialogues and only there")
    return problems + _intent_problems(item.accept, vocabulary) + _helpline_problems(item, vocabulary) \
        + _risk_and_nation_problems(item)


def label_problems(first: Sequence[Item], dialogues: Sequence[Dialogue], vocabulary: Vocabulary) -> List[str]:
    """Every bad label in the set, each with where it is (never the message text)."""
    problems = [f"first_messages[{index}]: {problem}" for index, item in enumerate(first)
                for problem in item_problems(item, vocabulary, in_dialogue=False)]
    for number, dialogue in enumerate(dialogues):
        problems += [f"dialogues[{number}].turns[{index}]: {problem}" for index, turn in enumerate(dialogue.turns)
                     for problem in item_problems(turn, vocabulary, in_dialogue=True)]
    return problems


def follow_ups(dialogue: Dialogue) -> int:
    """Turns to be answered in safety mode after a risk to life now was said earlier in the dialogue."""
    count, risk_seen = 0, False
    for turn in dialogue.turns:
        count += risk_seen and bool(turn.safety_mode)
        risk_seen = risk_seen or turn.risk in RISKS_TO_LIFE_NOW
    return count


def normalise(text: str) -> str:
    """For matching texts: lower case, apostrophes dropped ("he's" is "hes"), other punctuation as spaces."""
    text = re.sub(r"['’‘`]", "", text.lower())
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def all_texts(first: Sequence[Item], dialogues: Sequence[Dialogue]) -> List[str]:
    """Every survivor text in the set, first messages then dialogue turns."""
    return [item.text for item in first] + [turn.text for dialogue in dialogues for turn in dialogue.turns]


def trained_or_regression_texts() -> Set[str]:
    """The normalised example texts of the training data and the regression set (Rasa reads the annotations)."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts: Set[str] = set()
    for path in [*_nlu_files(), REGRESSION_SET]:
        if path.exists():
            texts |= {normalise(example.get("text")) for example in load_data(str(path)).intent_examples}
    return texts
