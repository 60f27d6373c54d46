"""Finding help: honest national routes that fit, and never a full postcode in a slot."""

from typing import Any, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.find_services import ActionFindServices
from tests.actions.conftest import make_tracker


def _location(value: str, start: int = 0) -> List[Dict[str, Any]]:
    return [{"entity": "location", "value": value, "start": start, "end": start + len(value)}]


async def _run(dispatcher: CollectingDispatcher, **tracker_args: Any) -> Dict[str, Any]:
    events = await ActionFindServices().run(dispatcher, make_tracker(**tracker_args), {})
    [message] = dispatcher.messages
    slots = {event["name"]: event["value"] for event in events}
    return {"text": message["text"], "slots": slots}


async def test_full_postcode_is_cut_to_its_district(dispatcher: CollectingDispatcher) -> None:
    result = await _run(dispatcher, text="refuge near se15 4ab", entities=_location("se15 4ab", 12))
    assert result["slots"] == {"location": "SE15"}
    assert "4AB" not in result["text"].upper()
    assert "0808 2000 247" in result["text"]


async def test_never_invents_local_services(dispatcher: CollectingDispatcher) -> None:
    result = await _run(dispatcher, text="who can help in croydon", entities=_location("croydon", 16))
    assert "can't search for local services" in result["text"]
    assert result["slots"] == {"location": "Croydon"}


@pytest.mark.parametrize(
    "place, helpline",
    [
        ("cardiff", "0808 80 10 800"),
        ("glasgow", "0800 027 1234"),
        ("belfast", "0808 802 1414"),
        ("wales", "0808 80 10 800"),
        ("northern ireland", "0808 802 1414"),
    ],
)
async def test_nations_get_their_own_helpline(
    dispatcher: CollectingDispatcher, place: str, helpline: str
) -> None:
    result = await _run(dispatcher, text=f"help in {place}", entities=_location(place, 8))
    assert helpline in result["text"]
    assert result["text"].index("0808 2000 247") < result["text"].index(helpline)


async def test_specialist_lines_follow_who_for_and_need(dispatcher: CollectingDispatcher) -> None:
    result = await _run(dispatcher, text="support for men", slots={"who_for": "men"})
    assert "Men's Advice Line (Respect): 0808 801 0327" in result["text"]


async def test_unknown_place_gets_a_kind_word_not_an_error(dispatcher: CollectingDispatcher) -> None:
    result = await _run(dispatcher, text="help in Xqzzyville", entities=_location("Xqzzyville", 8))
    assert result["text"].startswith("I didn't recognise that place, but that's OK.")
    assert result["slots"] == {"location": None}


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE services;--", "a" * 5000, "🏠🏠🏠", "مساعدة في لندن", "<script>alert(1)</script>"],
)
async def test_hostile_text_gets_national_routes_safely(dispatcher: CollectingDispatcher, hostile: str) -> None:
    result = await _run(dispatcher, text=hostile, intent="find_services")
    assert "0808 2000 247" in result["text"]
    assert hostile not in result["text"]
