"""How the assistant speaks (shared/CONTENT.md), checked over every response it can give."""

import re
from typing import Any, Dict, Iterator, Set, Tuple

import pytest
import yaml

from bot.settings import ROOT
from tests.conftest import nlu_training_data

MAX_RESPONSE_CHARS = 1000
NO_PRESSURE = re.compile(
    r"support doesn't depend on|support does not depend on|get help without reporting|"
    r"whether or not you report|don't have to report|do not have to report|get support whether",
    re.IGNORECASE,
)


def _all_responses() -> Dict[str, Any]:
    responses = dict(yaml.safe_load((ROOT / "domain.yml").read_text())["responses"])
    responses.update(nlu_training_data().responses)
    return responses


def _variants() -> Iterator[Tuple[str, Dict[str, Any]]]:
    for name, variants in _all_responses().items():
        for variant in variants:
            yield name, variant


def _training_texts() -> Set[str]:
    return {example.get("text").lower() for example in nlu_training_data().training_examples}


@pytest.mark.parametrize(
    "name", sorted(n for n in _all_responses() if n.startswith(("utter_reporting/", "utter_police_officer/")))
)
def test_every_answer_about_police_says_support_does_not_depend_on_reporting(name: str) -> None:
    text = _all_responses()[name][0]["text"]
    assert NO_PRESSURE.search(text), name


def test_every_text_button_sends_a_phrase_the_assistant_was_trained_on() -> None:
    known = _training_texts()
    unknown = [
        (name, button["payload"])
        for name, variant in _variants()
        for button in variant.get("buttons", [])
        if not button["payload"].startswith("/") and button["payload"].lower() not in known
    ]
    assert unknown == []


def test_every_intent_button_names_a_domain_intent() -> None:
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    payloads = {
        button["payload"][1:]
        for _, variant in _variants()
        for button in variant.get("buttons", [])
        if button["payload"].startswith("/")
    }
    assert payloads <= intents


def test_answers_are_short_plain_text() -> None:
    for name, variant in _variants():
        text = variant["text"]
        assert len(text) <= MAX_RESPONSE_CHARS, name
        assert "http" not in text and "click" not in text.lower(), name
        assert "<" not in text, name


def test_every_retrieval_topic_answers_each_of_its_questions() -> None:
    data = nlu_training_data()
    keys = {
        example.get("intent_response_key") for example in data.training_examples if example.get("intent_response_key")
    }
    assert {f"utter_{key}" for key in keys} <= set(data.responses)


def test_every_intent_has_at_least_25_examples() -> None:
    data = nlu_training_data()
    counts: Dict[str, int] = {}
    for example in data.training_examples:
        key = example.get("intent_response_key") or example.get("intent")
        counts[key] = counts.get(key, 0) + 1
    assert {key: count for key, count in counts.items() if count < 25} == {}


PRIVACY_ANSWERS = ("utter_chat_info/is_private", "utter_chat_info/what_is_stored", "utter_chat_info/who_reads")


@pytest.mark.parametrize("name", PRIVACY_ANSWERS)
def test_privacy_answers_point_to_the_delete_button_the_widget_really_has(name: str) -> None:
    widget = (ROOT / "bot" / "gateway" / "widget" / "static" / "haven-widget.js").read_text(encoding="utf-8")
    assert "'Delete chat'" in widget
    assert '"Delete chat"' in _all_responses()[name][0]["text"]
    assert "removed before anything is saved" in _all_responses()[name][0]["text"]


def test_the_retention_period_the_assistant_states_is_the_default_one() -> None:
    from bot.settings import Settings

    stored = _all_responses()["utter_chat_info/what_is_stored"][0]["text"]
    assert f"{Settings().retention_days:g} days after your last message" in stored
