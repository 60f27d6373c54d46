"""The emergency wording is fixed (shared/CONTENT.md): the same words, every time."""

from typing import Any, Dict


def test_emergency_response_gives_999_silent_solution_landline_and_text_relay(emergency_text: str) -> None:
    lines = emergency_text.splitlines()
    assert lines[0] == "If you are in danger now, call 999."
    assert "whisper, cough or tap" in emergency_text
    assert "press 55" in emergency_text
    assert "Pressing 55 does not tell them where you are." in emergency_text
    assert "On a landline, stay on the line" in emergency_text
    assert "text REGISTER to 999" in emergency_text


def test_emergency_has_exactly_one_wording(domain_responses: Dict[str, Any]) -> None:
    assert len(domain_responses["utter_emergency"]) == 1


def test_offer_of_a_person_gives_the_24_hour_helpline(domain_responses: Dict[str, Any]) -> None:
    offer = domain_responses["utter_offer_person"][0]
    assert "24-hour National Domestic Abuse Helpline: 0808 2000 247" in offer["text"]
    assert [button["payload"] for button in offer["buttons"]] == ["/affirm", "/deny"]


def test_every_fallback_offers_the_helpline_and_a_person(domain_responses: Dict[str, Any]) -> None:
    for name in ("utter_fallback", "utter_default", "utter_out_of_scope"):
        response = domain_responses[name][0]
        assert "0808 2000 247" in response["text"], name
        assert {"title": "Talk to a person", "payload": "/request_human"} in response["buttons"], name
