"""Ranking: the nearest service first, open ones before closed, local before national, on both databases."""

from datetime import datetime, timezone
from typing import List

from sqlalchemy.engine import Engine

from bot.directory.areas import UK, default_areas
from bot.directory.search import search
from bot.nlp.gazetteer import default_gazetteer
from tests.directory.conftest import entry, saved

TUESDAY_NOON = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
TUESDAY_NIGHT = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)


def chain(text: str) -> List[str]:
    return default_areas().chain(default_gazetteer().resolve(text))


def keys(engine: Engine, text: str, **options: object) -> List[str]:
    return [match.entry.key for match in search(engine, chain(text), now=TUESDAY_NOON, **options)]  # type: ignore[arg-type]


def test_specific_area_before_wider_area_before_national(engine: Engine) -> None:
    saved(
        engine,
        [
            entry("national-line", national=True),
            entry("london-wide", ("region:London",)),
            entry("lambeth", ("borough:Lambeth",)),
            entry("se11-only", ("postcode_district:SE11",)),
            entry("kent", ("county:Kent",)),
        ],
    )
    assert keys(engine, "SE11 4PP") == ["se11-only", "lambeth", "london-wide", "national-line"]
    assert keys(engine, "Brixton") == ["lambeth", "london-wide", "national-line"]


def test_open_now_comes_first_within_the_same_area(engine: Engine) -> None:
    saved(
        engine,
        [
            entry("a-closed-evenings", ("borough:Croydon",), hours="Mon-Fri 18:00-21:00"),
            entry("b-unknown-hours", ("borough:Croydon",), hours=""),
            entry("c-open-days", ("borough:Croydon",), hours="Mon-Fri 09:00-17:00"),
        ],
    )
    assert keys(engine, "Croydon") == ["c-open-days", "a-closed-evenings", "b-unknown-hours"]
    [first, *_] = search(engine, chain("Croydon"), now=TUESDAY_NIGHT)
    assert first.open_now is False  # nobody open at 11pm: none is claimed open


def test_a_need_narrows_the_list(engine: Engine) -> None:
    saved(
        engine,
        [
            entry("refuge", ("borough:Lambeth",), needs=("refuge", "children")),
            entry("counselling", ("borough:Lambeth",), needs=("counselling",)),
        ],
    )
    assert keys(engine, "Lambeth", need="refuge") == ["refuge"]
    assert keys(engine, "Lambeth", need="legal_advice") == []


def test_a_group_keeps_services_for_that_group_or_for_anyone(engine: Engine) -> None:
    saved(
        engine,
        [
            entry("for-anyone", ("county:Kent",)),
            entry("for-women", ("county:Kent",), who_for=("women",)),
            entry("for-men", ("county:Kent",), who_for=("men",)),
        ],
    )
    assert keys(engine, "Maidstone", who_for="men") == ["for-anyone", "for-men"]
    assert set(keys(engine, "Maidstone")) == {"for-anyone", "for-women", "for-men"}


def test_single_topic_lines_are_not_offered_by_place(engine: Engine) -> None:
    saved(engine, [entry("stalking-line", national=True, topics=("stalking",)), entry("general", national=True)])
    assert keys(engine, "Leeds") == ["general"]


def test_services_elsewhere_are_never_offered(engine: Engine) -> None:
    saved(engine, [entry("cardiff", ("town:Cardiff",)), entry("glasgow", ("town:Glasgow",))])
    assert keys(engine, "Cardiff") == ["cardiff"]
    assert keys(engine, "Belfast") == []


def test_anywhere_gives_national_services_only(engine: Engine) -> None:
    saved(engine, [entry("uk-wide", (UK,), national=True), entry("lambeth", ("borough:Lambeth",))])
    assert [match.entry.key for match in search(engine, [UK])] == ["uk-wide"]


def test_hostile_text_in_entries_comes_back_unchanged(engine: Engine) -> None:
    hostile = "Robert'); DROP TABLE directory_services;-- 🏠 مساعدة"
    saved(engine, [entry("odd", ("borough:Lambeth",), name=hostile)])
    [match] = search(engine, chain("Lambeth"))
    assert match.entry.name == hostile
