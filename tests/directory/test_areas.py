"""Location resolution: a service covering Lambeth is found from "SE11", "Brixton" or "Lambeth"."""

from typing import List

import pytest

from bot.directory.areas import UK, Areas, default_areas, positions, specificity
from bot.nlp.gazetteer import default_gazetteer


@pytest.fixture(scope="module")
def areas() -> Areas:
    return default_areas()


def chain_for(areas: Areas, text: str) -> List[str]:
    place = default_gazetteer().resolve(text)
    assert place is not None, text
    return areas.chain(place)


@pytest.mark.parametrize("text", ["SE11", "se11 5ab", "Brixton", "Lambeth", "lambeth council", "Lambteh"])
def test_lambeth_is_found_from_district_place_borough_and_misspelling(areas: Areas, text: str) -> None:
    assert "borough:Lambeth" in chain_for(areas, text)


def test_a_district_chain_goes_from_specific_to_national(areas: Areas) -> None:
    assert chain_for(areas, "SE15 4AB") == [
        "postcode_district:SE15",
        "borough:Southwark",
        "borough:Lewisham",
        "postcode_area:SE",
        "county:Greater London",
        "region:London",
        "nation:England",
        UK,
    ]


def test_a_district_on_a_borough_boundary_reaches_both_boroughs(areas: Areas) -> None:
    chain = chain_for(areas, "E2")
    assert {"borough:Tower Hamlets", "borough:Hackney"} <= set(chain)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Maidstone", ["town:Maidstone", "county:Kent", "region:South East", "nation:England"]),
        ("Leeds", ["town:Leeds", "county:West Yorkshire", "region:Yorkshire and the Humber"]),
        ("LS6", ["postcode_district:LS6", "postcode_area:LS", "town:Leeds", "county:West Yorkshire"]),
        ("Kent", ["county:Kent", "region:South East"]),
        ("North West", ["region:North West", "nation:England"]),
    ],
)
def test_towns_counties_and_regions_reach_upwards(areas: Areas, text: str, expected: List[str]) -> None:
    chain = chain_for(areas, text)
    assert [key for key in chain if key in expected] == expected
    assert chain[-1] == UK


@pytest.mark.parametrize(
    "text, nation",
    [
        ("Cardiff", "nation:Wales"),
        ("CF10 1AA", "nation:Wales"),
        ("Swansea", "nation:Wales"),
        ("Glasgow", "nation:Scotland"),
        ("EH1", "nation:Scotland"),
        ("Belfast", "nation:Northern Ireland"),
        ("BT1", "nation:Northern Ireland"),
        ("Edinbrugh", "nation:Scotland"),
    ],
)
def test_wales_scotland_and_northern_ireland(areas: Areas, text: str, nation: str) -> None:
    chain = chain_for(areas, text)
    assert nation in chain
    assert "nation:England" not in chain


def test_anywhere_means_national_services_only(areas: Areas) -> None:
    assert areas.chain(None) == [UK]


@pytest.mark.parametrize(
    "name, key",
    [
        ("Lambeth", "borough:Lambeth"),
        ("London Borough of Lambeth", "borough:Lambeth"),
        ("SE11", "postcode_district:SE11"),
        ("se", "postcode_area:SE"),
        ("Kent", "county:Kent"),
        ("North West", "region:North West"),
        ("Wales", "nation:Wales"),
        ("UK", UK),
        ("Brixton", "london_place:Brixton"),
    ],
)
def test_a_charity_names_areas_as_people_do(areas: Areas, name: str, key: str) -> None:
    assert areas.coverage_key(name) == key


@pytest.mark.parametrize("name", ["Lambteh", "Atlantis", "", "'; DROP TABLE directory_services;--", "🏠", "x" * 5000])
def test_a_charity_list_never_guesses_an_area(areas: Areas, name: str) -> None:
    assert areas.coverage_key(name) is None


def test_specificity_is_the_closest_covered_area() -> None:
    chain = positions(["postcode_district:SE11", "borough:Lambeth", "region:London", UK])
    assert specificity(chain, ("region:London", "borough:Lambeth")) == 1
    assert specificity(chain, ("county:Kent",)) == len(chain)
