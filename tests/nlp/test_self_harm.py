"""The self-harm rules fire on the writer's own risk however it is typed, and not on other people's."""

import pytest

from bot.nlp.danger import MAX_CHARS_CHECKED
from bot.nlp.self_harm import detect_self_harm
from bot.settings import ROOT


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "im gonna end it all",
        "I Want To Die",
        "i wish i was dead",
        "i dont want to live anymore",
        "i don't want to be alive",
        "im feeling suicidal",
        "ive been having suicidal thoughts",
        "i might take all my pills tonight",
        "theres no point living",
        "i cant go on living like this",
        "i self harm when he shouts",
        "ive started self harming again",
        "everyone would be better off without me",
        "i want to end my life",
        "wanna kms",
        "he told me to go and kill myself",
        "im so tired of living",
        "sick of being alive",
        "ive been saving up my tablets",
        "im stockpiling my meds",
        "i thought about jumping off the bridge",
        "i keep thinking about stepping in front of a train",
        "ive taken a whole packet of paracetamol",
        "i just took loads of pills",
        "i swallowed 30 tablets",
        "Ive had too many of my sleeping pills",
        "i've overdosed",
        "i drank bleach",
        "i have swallowed a bottle of bleach",
        "i slit my wrists",
        "i stabbed myself",
    ],
)
def test_the_writers_own_risk_is_recognised(text: str) -> None:
    assert detect_self_harm(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "he says he will kill himself if i leave",
        "he threatens suicide when i try to leave",
        "he threatens to self harm if i ever leave him",
        "he says nobody would even notice if i was gone",
        "my friend wants to kill herself",
        "i dont want to live with him anymore",
        "i dont want to live in this house",
        "my feet are killing me",
        "i could die of embarrassment",
        "i want to end this chat",
        "stop the questions",
        "i locked myself in the bathroom",
        "im tired of living like this with him",
        "he keeps my tablets locked away",
        "he said he would jump off a bridge if i left",
        "i think he will jump off the bridge if i go",
        "my son likes to jump off the sofa",
        "i took my tablets this morning",
        "i took some paracetamol for my headache",
        "i had a lot of fun with the kids",
        "i drank a lot of wine last night",
        "he made me swallow pills",
        "my son drank bleach",
        "i bought a bottle of bleach",
        "he has a box of pills hidden",
        "",
    ],
)
def test_other_peoples_threats_and_everyday_phrases_are_not(text: str) -> None:
    assert detect_self_harm(text) is None


def test_a_phrase_deep_in_an_oversized_message_is_still_found() -> None:
    text = "he keeps shouting. " * ((MAX_CHARS_CHECKED - 200) // 19) + "i want to die"
    assert detect_self_harm(text) is not None


def test_no_rule_fires_on_another_intents_example_in_the_training_or_held_out_data() -> None:
    """A self-harm rule overrides the model, so it must not take an ordinary message for one (a danger message
    may also say it: the danger answer comes first)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from tests.conftest import nlu_training_data

    held_out = load_data(str(ROOT / "tests" / "nlu_test.yml"))
    examples = [*nlu_training_data().training_examples, *held_out.training_examples]
    fired = [
        (example.get("intent"), example.get("text"))
        for example in examples
        if example.get("intent") not in ("self_harm", "immediate_danger") and detect_self_harm(example.get("text"))
    ]
    assert fired == []
