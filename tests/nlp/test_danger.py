"""The rule-based danger net: fires on danger however it's typed, stays quiet on the rest."""

import pytest

from bot.nlp.danger import MAX_CHARS_CHECKED, detect_danger, is_danger, normalise

DANGER = [
    "he's going to kill me",
    "hes gonna kil me",
    "HE IS OUTSIDE",
    "he's outside the door",
    "hes here",
    "my ex is at the door banging",
    "he is breaking the door down",
    "he's hitting me",
    "she is choking me",
    "he just hit me",
    "he's strangleing me",
    "he's got a knife",
    "he has a gun",
    "knife to my throat",
    "im hiding in the bathroom",
    "he locked me in",
    "i'm scared for my life",
    "help",
    "pls help",
    "HELP ME NOW",
    "send the police",
    "call 999 for me",
    "call the police for me please",
    "i cant breathe",
    "cant talk hes in the next room",
    "he said he'll kill me tonight",
    "my husband is coming home and he said hes going to hurt me",
    "he used to hit me and now hes outside with a knife",
    "we are in danger",
    "helllpppp",
    "hes kiling me",
    "he is coming back with his brother",
    "hes got the big kitchen knife out",
    "my ex is at my door",
    "he texted hes 5 mins away",
    "he says he'll crash the car with us in it",
    "he said hes going to drive us into the river",
    "i am bleeding and he's still here",
    "he punched me and he wont stop",
    "if he finds this chat he'll kill me",
    "my ex has just turned up at my work",
    "hes trying to snatch the baby",
]

NOT_DANGER = [
    "he strangled me two years ago, can i still report it",
    "he used to hit me",
    "what should i do if he comes back",
    "does the silent 999 thing work on a landline",
    "this form is killing me",
    "my mum will kill me if she sees this app",
    "he would never hurt me, he just controls the money",
    "my husband is here on a spouse visa",
    "i'm hiding money from him",
    "can you help me",
    "can he hurt me if i have a non molestation order",
    "he is coming to court next week",
    "he is in the house all day and checks my phone",
    "how do i report to the police",
    "is this chat private",
    "he looked me in the eye and lied",
    "i need a break in the questions",
    "he took the bill",
    "he threatened to crash the car last year",
    "my feet are killing me",
    "he used to say he would run me over",
    "if he hits me again can i call the police",
    "",
    "   ",
]


@pytest.mark.parametrize("message", DANGER)
def test_danger_phrasings_fire(message: str) -> None:
    assert is_danger(message), message


@pytest.mark.parametrize("message", NOT_DANGER)
def test_non_danger_messages_stay_quiet(message: str) -> None:
    assert detect_danger(message) is None, message


def test_normalise_expands_text_speak_and_fixes_keyword_typos() -> None:
    assert normalise("Hes gonna KIL me!!") == "he is going to kill me"
    assert normalise("he’s strangleing me") == "he is strangling me"


def test_real_words_are_not_corrected_into_danger_words() -> None:
    assert normalise("he looked at the bill") == "he looked at the bill"


def test_danger_in_the_middle_of_a_long_message_is_found() -> None:
    message = ("i wanted to ask about protection orders and how long they take " * 20) + (
        ". he is outside now. " + "sorry for the long message " * 20
    )
    assert is_danger(message)


def test_oversized_and_hostile_input_is_safe() -> None:
    assert detect_danger("x" * (MAX_CHARS_CHECKED * 4)) is None
    assert detect_danger("'; DROP TABLE events;-- \x00 \u202e") is None
    assert detect_danger("他在门外 🔪😱") is None


def test_match_names_the_rule() -> None:
    match = detect_danger("he's got a knife")
    assert match is not None and match.rule == "weapon"


def test_a_belt_in_his_hands_is_a_weapon() -> None:
    """Held out in tests/nlu_test.yml and missed by one trained model: the net must not depend on the model."""
    match = detect_danger("i can hear him on the stairs hes got the belt")
    assert match is not None and match.rule == "weapon"
    assert detect_danger("he's grabbing his belt") is not None
    assert detect_danger("he took his belt off and he's coming up") is not None


def test_a_belt_that_no_one_is_holding_is_not_danger() -> None:
    assert detect_danger("i have a black belt in karate") is None
    assert detect_danger("a dress with a matching belt") is None


@pytest.mark.parametrize(
    "text",
    ["hes outside with a crowbar", "she's got a baseball bat", "he picked up a golf club", "he has a metal bar"],
)
def test_everyday_objects_held_over_someone_are_weapons(text: str) -> None:
    assert detect_danger(text) is not None


@pytest.mark.parametrize("text", ["i fixed the shed with a crowbar", "my son plays with a cricket bat"])
def test_everyday_objects_in_everyday_sentences_are_not_danger(text: str) -> None:
    assert detect_danger(text) is None


@pytest.mark.parametrize("text", ["my husband is in my back garden right now", "hes staring through the windows"])
def test_someone_at_the_house_now_is_danger(text: str) -> None:
    assert detect_danger(text) is not None


def test_someone_in_the_garden_on_another_day_is_not_danger() -> None:
    assert detect_danger("he was in the garden yesterday doing the hedges") is None
