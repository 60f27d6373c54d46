"""The load benchmark's survivors say realistic, varied things that nobody trained or tested on."""

import random
import re
from pathlib import Path
from typing import Set

from rasa.shared.nlu.training_data.loading import load_data

from bot.settings import ROOT
from tests.conftest import nlu_training_data
from tools.bench.phrases import MAX_TURNS, MIN_TURNS, OPENERS, all_phrases, conversation_script, next_message


def normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def examples(path: Path) -> Set[str]:
    return {normalised(example.get("text")) for example in load_data(str(path)).training_examples}


def test_no_sentence_is_copied_from_the_held_out_test_set_or_the_training_data() -> None:
    """Short replies ("thank you", "hi", "/stop") are everyone's words; a sentence of four words or more
    is the benchmark's own, so the model meets it as it would a stranger's."""
    training = {normalised(example.get("text")) for example in nlu_training_data().training_examples}
    known = examples(ROOT / "tests" / "nlu_test.yml") | training
    sentences = [phrase for phrase in all_phrases() if len(phrase.split()) >= 4]
    assert len(sentences) > 20
    assert [phrase for phrase in sentences if normalised(phrase) in known] == []


def test_a_conversation_opens_then_draws_from_the_mix() -> None:
    rng = random.Random(3)
    scripts = [conversation_script(rng) for _ in range(300)]
    assert all(script[0] in OPENERS for script in scripts)
    assert {len(script) for script in scripts} == set(range(MIN_TURNS, MAX_TURNS + 1))
    phrases = set(all_phrases())
    assert all(message in phrases for script in scripts for message in script)


def test_the_mix_reaches_the_directory_the_safety_plan_and_the_emergency_path() -> None:
    rng = random.Random(5)
    drawn = {next_message(rng) for _ in range(3000)}
    assert "/show_more" in drawn and "is there a refuge in leeds" in drawn
    assert "can you help me make a plan to stay safe" in drawn
    assert "he's outside banging on the front door right now" in drawn


def test_informational_questions_are_drawn_most_often() -> None:
    rng = random.Random(9)
    mix = ((6, ("question",)), (1, ("danger",)))
    drawn = [next_message(rng, mix) for _ in range(7000)]
    assert 0.80 < drawn.count("question") / len(drawn) < 0.90
