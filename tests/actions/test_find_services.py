"""Finding help from the directory: nearest first, honest when nothing fits, never a full postcode kept.

Runs on SQLite and on PostgreSQL (the `engine` fixture), with the national helplines and the
SAMPLE set seeded as a fresh install has them.
"""

from typing import Any, Dict, Iterator, List

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

import actions.find_services as find_services
from actions.find_services import ANYWHERE, ActionFindServices
from actions.service_replies import SAMPLE_NOTICE
from bot.database.engine import make_engine
from bot.directory.seed import seed
from tests.actions.conftest import make_tracker
from tests.directory.conftest import TODAY, entry, saved

HELPLINE = "0808 2000 247"


@pytest.fixture
def directory(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The action searches a seeded test database instead of var/haven.db."""
    seed(engine, TODAY)
    monkeypatch.setattr(find_services, "default_engine", lambda: engine)
    yield engine


def _location(value: str, start: int = 0) -> List[Dict[str, Any]]:
    return [{"entity": "location", "value": value, "start": start, "end": start + len(value)}]


async def _run(**tracker_args: Any) -> Dict[str, Any]:
    dispatcher = CollectingDispatcher()
    events = await ActionFindServices().run(dispatcher, make_tracker(**tracker_args), {})
    return {
        "text": "\n".join(str(message.get("text")) for message in dispatcher.messages),
        "buttons": [button for message in dispatcher.messages for button in message.get("buttons", [])],
        "slots": {event["name"]: event["value"] for event in events},
    }


def _names(text: str) -> List[str]:
    return [line[2:].split(":")[0] for line in text.splitlines() if line.startswith("• ")]


async def test_full_postcode_is_cut_to_its_district(directory: Engine) -> None:
    result = await _run(text="refuge near se15 4ab", entities=_location("se15 4ab", 12))
    assert result["slots"] == {"location": "SE15", "services_shown": 3.0}
    assert "4AB" not in result["text"].upper()
    assert "South London Refuge (example)" in _names(result["text"])
    assert HELPLINE in result["text"]


async def test_three_best_matches_nearest_first_with_how_to_contact_and_hours(directory: Engine) -> None:
    result = await _run(text="who can help in croydon", entities=_location("croydon", 16))
    assert result["text"].startswith("Here are services for Croydon:")
    names = _names(result["text"])
    assert len(names) == 3
    croydon_own = {"South London Refuge", "Croydon Family Justice Hub", "Croydon Young People's Service"}
    assert set(names) <= {f"{name} (example)" for name in croydon_own}
    assert "Call 020 7946 0301" in result["text"]
    assert "24/7 (open now)" in result["text"]
    assert SAMPLE_NOTICE in result["text"]
    assert f"Any time, day or night: National Domestic Abuse Helpline (Refuge): {HELPLINE}" in result["text"]
    assert result["buttons"] == [{"title": "Show more", "payload": "/show_more"}]


async def test_real_entries_are_never_called_examples(directory: Engine) -> None:
    real = entry("norfolk-counselling", ("county:Norfolk",), name="Norfolk Counselling", needs=("counselling",))
    saved(directory, [real])
    result = await _run(text="counselling in norwich", entities=_location("norwich", 14), slots={"need": "counselling"})
    assert _names(result["text"]) == ["Norfolk Counselling"]
    assert "example" not in result["text"].lower()


async def test_show_more_pages_through_the_rest_then_says_that_is_all(directory: Engine) -> None:
    first = await _run(text="help in croydon", entities=_location("croydon", 8))
    seen = set(_names(first["text"]))
    slots = first["slots"]
    while True:
        page = await _run(text="show more", intent="show_more", slots=slots)
        slots = page["slots"]
        if not _names(page["text"]):
            break
        assert page["text"].startswith("More services for Croydon:")
        assert not seen & set(_names(page["text"]))
        seen |= set(_names(page["text"]))
    assert page["text"].startswith("That's all the services I have for Croydon.")
    assert HELPLINE in page["text"]
    assert "London Recovery Group (example)" in seen  # London-wide services come after Croydon's own
    assert "Leeds Refuge (example)" not in seen


async def test_show_more_with_a_new_place_starts_a_new_search(directory: Engine) -> None:
    first = await _run(text="help in croydon", entities=_location("croydon", 8))
    result = await _run(
        text="show more services in leeds", intent="show_more", entities=_location("leeds", 22), slots=first["slots"]
    )
    assert result["text"].startswith("Here are services for Leeds:")
    assert result["slots"]["services_shown"] == 3.0


async def test_a_need_narrows_the_results(directory: Engine) -> None:
    result = await _run(text="refuge in leeds", entities=_location("leeds", 10), slots={"need": "refuge"})
    assert result["text"].startswith("Here are refuge services for Leeds:")
    assert _names(result["text"]) == ["Leeds Refuge (example)"]
    assert result["buttons"] == []


async def test_nothing_matched_says_so_honestly_with_national_routes(directory: Engine) -> None:
    result = await _run(
        text="legal advice in belfast", entities=_location("belfast", 16), slots={"need": "legal advice"}
    )
    assert result["text"].startswith(
        "I couldn't find legal advice services for Belfast in Haven's directory, so I won't guess."
    )
    assert HELPLINE in result["text"] and "0808 802 1414" in result["text"]


@pytest.mark.parametrize(
    "place, helpline",
    [
        ("cardiff", "0808 80 10 800"),
        ("glasgow", "0800 027 1234"),
        ("belfast", "0808 802 1414"),
        ("wales", "0808 80 10 800"),
    ],
)
async def test_nations_get_their_own_helpline_on_the_first_page(directory: Engine, place: str, helpline: str) -> None:
    result = await _run(text=f"help in {place}", entities=_location(place, 8))
    assert helpline in result["text"]


async def test_a_group_gets_services_for_them_or_for_anyone(directory: Engine) -> None:
    result = await _run(text="support for men in london", entities=_location("london", 16), slots={"who_for": "men"})
    seen = _names(result["text"])
    slots = {"who_for": "men", **result["slots"]}
    while len(seen) < 30:
        page = await _run(text="more", intent="show_more", slots=slots)
        if not _names(page["text"]):
            break
        seen += _names(page["text"])
        slots = {**slots, **page["slots"]}
    assert "Men's Support London (example)" in seen
    assert "Men's Advice Line (Respect)" in seen
    assert not {"London Recovery Group (example)", "South London Refuge (example)"} & set(seen)


@pytest.mark.parametrize(
    "text, intent", [("anywhere", "find_services"), ("I'd rather not say", "find_services"), ("/skip", "skip")]
)
async def test_rather_not_say_gets_national_services_only(directory: Engine, text: str, intent: str) -> None:
    result = await _run(text=text, intent=intent)
    assert result["text"].startswith("Here are services for anywhere in the UK:")
    assert "(example)" not in result["text"]
    assert result["slots"]["location"] == ANYWHERE


async def test_anywhere_near_me_still_asks_where(directory: Engine) -> None:
    result = await _run(text="just anywhere near me")
    assert result["text"].startswith("Where should I look?")


async def test_no_place_gets_a_question_and_the_helpline(directory: Engine) -> None:
    result = await _run(text="is there a refuge near me")
    assert result["text"].startswith("Where should I look? A town, a London borough or the first part of a postcode")
    assert HELPLINE in result["text"]
    assert result["slots"] == {"location": None, "services_shown": None}


async def test_the_place_given_earlier_is_used_again(directory: Engine) -> None:
    result = await _run(text="what about counselling", slots={"location": "Lambeth", "need": "counselling"})
    assert _names(result["text"])[0] == "Southside Counselling (example)"


async def test_unknown_place_gets_a_kind_word_not_an_error(directory: Engine) -> None:
    result = await _run(text="help in Xqzzyville", entities=_location("Xqzzyville", 8))
    assert result["text"].startswith("I didn't recognise that place, but that's OK.")
    assert HELPLINE in result["text"]
    assert result["slots"]["location"] is None


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE directory_services;--", "a" * 5000, "🏠🏠🏠", "مساعدة في لندن", "<script>alert(1)</script>"],
)
async def test_hostile_text_is_handled_safely(directory: Engine, hostile: str) -> None:
    result = await _run(text=hostile, entities=_location(hostile[:200]))
    assert HELPLINE in result["text"]
    assert hostile not in result["text"]
    assert result["slots"]["location"] is None
    assert (await _run(text="help in lambeth", entities=_location("lambeth", 8)))["slots"]["location"] == "Lambeth"


async def test_a_broken_directory_still_gives_national_routes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    unmigrated = make_engine(f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.setattr(find_services, "default_engine", lambda: unmigrated)
    result = await _run(text="help in cardiff", entities=_location("cardiff", 8))
    assert result["text"].startswith("I can't search for local services right now, so I won't guess.")
    assert HELPLINE in result["text"] and "0808 80 10 800" in result["text"]
    assert result["slots"] == {"location": "Cardiff", "services_shown": None}
