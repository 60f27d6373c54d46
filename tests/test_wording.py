"""When the assistant can't answer, the gateway's own words: a risk to life gets the assistant's answer to
it, word for word from domain.yml, then the helpline; anything else the helpline and 999."""

from typing import Any, Dict

import pytest

from bot.risk import Risk
from bot.wording import emergency_wording, unavailable_messages, urgent_wording

HELPLINE = "0808 2000 247"


def test_thoughts_of_self_harm_get_the_assistants_own_answer_then_the_helpline(
    domain_responses: Dict[str, Any]
) -> None:
    messages = unavailable_messages("i want to end it all")
    assert messages[0] == domain_responses["utter_self_harm"][0]["text"]
    assert "116 123" in messages[0] and "999" in messages[0], "Samaritans and 999"
    assert HELPLINE in messages[1] and len(messages) == 2


def test_danger_gets_the_emergency_wording_even_with_self_harm_in_the_same_message(emergency_text: str) -> None:
    messages = unavailable_messages("hes outside with a knife and i want to die")
    assert messages[0] == emergency_text == emergency_wording()
    assert HELPLINE in messages[1]


@pytest.mark.parametrize("text", ["he says he'll kill himself if i leave", "what is clares law"])
def test_someone_elses_threat_or_a_question_gets_the_helpline_and_999(text: str) -> None:
    [message] = unavailable_messages(text)
    assert message.startswith("Sorry, I can't answer right now.") and HELPLINE in message and "999" in message
    assert "116 123" not in message


def test_only_a_risk_to_life_has_an_urgent_wording() -> None:
    assert urgent_wording(Risk.NONE) is None
    assert urgent_wording(Risk.DANGER) == emergency_wording()
