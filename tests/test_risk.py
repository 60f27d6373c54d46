"""One name for a risk to life, wherever it is recognised: danger outranks self-harm, and someone else's
threat to harm himself is not the survivor's own risk."""

from typing import Any, Dict

import pytest

from bot.risk import Risk, event_risk, less_serious_than, message_risk, most_serious


@pytest.mark.parametrize(
    "text, risk",
    [
        ("hes outside and hes got a knife", Risk.DANGER),
        ("i want to end it all", Risk.SELF_HARM),
        ("i feel suicidal", Risk.SELF_HARM),
        ("hes outside with a knife and i just want to die", Risk.DANGER),
        ("he says he'll kill himself if i leave", Risk.NONE),
        ("my friend wants to kill herself", Risk.NONE),
        ("how do i apply for a non-molestation order", Risk.NONE),
    ],
)
def test_a_message_is_read_for_danger_first_then_the_writers_own_self_harm(text: str, risk: Risk) -> None:
    assert message_risk(text) is risk


def _user(intent: str, event: str = "user") -> Dict[str, Any]:
    return {"event": event, "text": "...", "parse_data": {"intent": {"name": intent}}}


def test_a_stored_message_carries_the_risk_the_assistant_recognised() -> None:
    assert event_risk(_user("immediate_danger")) is Risk.DANGER
    assert event_risk(_user("self_harm")) is Risk.SELF_HARM
    assert event_risk(_user("stop")) is Risk.NONE
    assert event_risk(_user("self_harm", event="bot")) is Risk.NONE, "only the survivor's own messages"
    assert event_risk({"event": "user", "text": "no parse data"}) is Risk.NONE


def test_the_gravest_risk_wins_and_only_a_risk_is_urgent() -> None:
    assert most_serious([Risk.SELF_HARM, Risk.DANGER, Risk.NONE]) is Risk.DANGER
    assert most_serious([Risk.NONE, Risk.SELF_HARM]) is Risk.SELF_HARM
    assert most_serious([]) is Risk.NONE
    assert less_serious_than(Risk.DANGER) == (Risk.NONE, Risk.SELF_HARM)
    assert less_serious_than(Risk.NONE) == ()
    assert [risk.urgent for risk in Risk] == [False, True, True]
