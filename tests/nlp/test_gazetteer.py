"""The UK gazetteer: postcodes, London boroughs and places, towns and counties, and its data."""

import csv
import re
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from bot.nlp.gazetteer import GAZETTEER_DIR, KINDS, Gazetteer, Place, default_gazetteer

UK_POSTCODE_AREAS = """
AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN
EX FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG
NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ
TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
""".split()
NATIONS = {"England", "Wales", "Scotland", "Northern Ireland", "Channel Islands", "Isle of Man"}
ENGLISH_REGIONS = {
    "London",
    "South East",
    "South West",
    "East of England",
    "East Midlands",
    "West Midlands",
    "North East",
    "North West",
    "Yorkshire and the Humber",
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def rows(name: str) -> List[Dict[str, str]]:
    with (GAZETTEER_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def resolved(gazetteer: Gazetteer, text: str) -> Place:
    place = gazetteer.resolve(text)
    assert place is not None, text
    return place


# --- postcodes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, district",
    [
        ("se15 4ab", "SE15"),
        ("SE15 4AB", "SE15"),
        ("SE154AB", "SE15"),
        ("se154ab", "SE15"),
        ("se15", "SE15"),
        ("sw1a 1aa", "SW1A"),
        ("SW1A1AA", "SW1A"),
        ("BT7 1NN", "BT7"),
        ("m1", "M1"),
        ("M1 1AE", "M1"),
        ("m14ab", "M1"),
        ("CR0 2RH", "CR0"),
        ("EH1  1YZ", "EH1"),
        ("is there a refuge near se15 4ab please", "SE15"),
        ("im in e1, near the station", "E1"),
        ("N1C", "N1C"),
        ("w1", "W1"),
        ("I'm in B4", "B4"),
    ],
)
def test_finds_the_district_of_a_full_or_partial_postcode(gazetteer: Gazetteer, text: str, district: str) -> None:
    assert gazetteer.postcode_district(text) == district


@pytest.mark.parametrize(
    "text",
    [
        "A1B",
        "hello",
        "SE",
        "2000",
        "",
        "QQ1 1AA",
        "SE29",
        "ZZ9",
        "call me at 4pm",
        "b4 he gets home",
        "m8 said",
        "ive got 2 kids",
        "SE15X",
    ],
)
def test_no_district_in_text_without_a_real_postcode(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.postcode_district(text) is None


@pytest.mark.parametrize(
    "district, borough",
    [
        ("SE15", "Southwark"),
        ("SE11", "Lambeth"),
        ("E1", "Tower Hamlets"),
        ("CR0", "Croydon"),
        ("SW1A", "Westminster"),
    ],
)
def test_london_districts_lead_with_their_main_borough(gazetteer: Gazetteer, district: str, borough: str) -> None:
    place = resolved(gazetteer, district)
    assert place.kind == "postcode_district"
    assert place.boroughs[0] == borough
    assert place.region == "London"
    assert place.nations == ("England",)


def test_a_full_postcode_resolves_to_its_district_not_the_postcode(gazetteer: Gazetteer) -> None:
    place = resolved(gazetteer, "se15 4ab")
    assert place.name == "SE15"
    assert "Southwark" in place.boroughs


def test_a_district_given_without_its_letter_covers_all_its_boroughs(gazetteer: Gazetteer) -> None:
    place = resolved(gazetteer, "W1")
    assert place.boroughs[0] == "Westminster"
    assert "Camden" in place.boroughs


@pytest.mark.parametrize(
    "postcode, nation, region",
    [
        ("BT7 1NN", "Northern Ireland", "Northern Ireland"),
        ("CF10 1AA", "Wales", "Wales"),
        ("G1", "Scotland", "Scotland"),
        ("M1", "England", "North West"),
        ("CH7 1AB", "Wales", "Wales"),
        ("CR3", "England", "South East"),
    ],
)
def test_districts_outside_london_know_their_nation(
    gazetteer: Gazetteer, postcode: str, nation: str, region: str
) -> None:
    place = resolved(gazetteer, postcode)
    assert place.nations[0] == nation
    assert place.region == region
    assert place.boroughs == ()


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("Croydon", "Croydon"),
        ("tower hamlets", "Tower Hamlets"),
        ("RBKC", "Kensington and Chelsea"),
        ("Kensington & Chelsea", "Kensington and Chelsea"),
        ("kensington and chelsea", "Kensington and Chelsea"),
        ("Hammersmith", "Hammersmith and Fulham"),
        ("the City", "City of London"),
        ("Kingston", "Kingston upon Thames"),
        ("London Borough of Hackney", "Hackney"),
        ("croydon council", "Croydon"),
    ],
)
def test_boroughs_and_their_aliases(gazetteer: Gazetteer, text: str, name: str) -> None:
    place = resolved(gazetteer, text)
    assert (place.kind, place.name, place.boroughs) == ("borough", name, (name,))


@pytest.mark.parametrize(
    "text, borough",
    [
        ("Brixton", "Lambeth"),
        ("peckham", "Southwark"),
        ("Stratford", "Newham"),
        ("walthamstow", "Waltham Forest"),
        ("Tottenham", "Haringey"),
        ("ilford", "Redbridge"),
        ("Romford", "Havering"),
        ("Shepherd's Bush", "Hammersmith and Fulham"),
        ("shepherds bush", "Hammersmith and Fulham"),
        ("Elephant & Castle", "Southwark"),
    ],
)
def test_london_places_know_their_borough(gazetteer: Gazetteer, text: str, borough: str) -> None:
    place = resolved(gazetteer, text)
    assert place.kind == "london_place"
    assert place.boroughs == (borough,)
    assert place.region == "London"


@pytest.mark.parametrize(
    "text, name, nation, region",
    [
        ("manchester", "Manchester", "England", "North West"),
        ("Newcastle", "Newcastle upon Tyne", "England", "North East"),
        ("stoke on trent", "Stoke-on-Trent", "England", "West Midlands"),
        ("St. Albans", "St Albans", "England", "East of England"),
        ("kings lynn", "King's Lynn", "England", "East of England"),
        ("Hull", "Kingston upon Hull", "England", "Yorkshire and the Humber"),
        ("Cardiff", "Cardiff", "Wales", "Wales"),
        ("swansea", "Swansea", "Wales", "Wales"),
        ("Wrexham", "Wrexham", "Wales", "Wales"),
        ("Glasgow", "Glasgow", "Scotland", "Scotland"),
        ("edinburgh", "Edinburgh", "Scotland", "Scotland"),
        ("Inverness", "Inverness", "Scotland", "Scotland"),
        ("Belfast", "Belfast", "Northern Ireland", "Northern Ireland"),
        ("Derry", "Derry/Londonderry", "Northern Ireland", "Northern Ireland"),
        ("Londonderry", "Derry/Londonderry", "Northern Ireland", "Northern Ireland"),
    ],
)
def test_towns_across_the_uk(gazetteer: Gazetteer, text: str, name: str, nation: str, region: str) -> None:
    place = resolved(gazetteer, text)
    assert (place.kind, place.name, place.nations, place.region) == ("town", name, (nation,), region)


@pytest.mark.parametrize(
    "text, name, nation",
    [
        ("Kent", "Kent", "England"),
        ("west yorkshire", "West Yorkshire", "England"),
        ("Herts", "Hertfordshire", "England"),
        ("County Durham", "Durham", "England"),
        ("Gwynedd", "Gwynedd", "Wales"),
        ("Anglesey", "Isle of Anglesey", "Wales"),
        ("Fife", "Fife", "Scotland"),
        ("the Highlands", "Highland", "Scotland"),
        ("Co Tyrone", "Tyrone", "Northern Ireland"),
        ("London", "Greater London", "England"),
    ],
)
def test_counties_across_the_uk(gazetteer: Gazetteer, text: str, name: str, nation: str) -> None:
    place = resolved(gazetteer, text)
    assert (place.kind, place.name, place.nations) == ("county", name, (nation,))


def test_a_town_wins_over_a_county_of_the_same_name(gazetteer: Gazetteer) -> None:
    assert resolved(gazetteer, "Armagh").kind == "town"
    assert resolved(gazetteer, "Armagh").county == "Armagh"


@pytest.mark.parametrize(
    "text, name",
    [
        ("croydn", "Croydon"),
        ("manchestor", "Manchester"),
        ("tower hamlet", "Tower Hamlets"),
        ("birmingam", "Birmingham"),
        ("edinbrugh", "Edinburgh"),
        ("sheffeild", "Sheffield"),
    ],
)
def test_small_misspellings(gazetteer: Gazetteer, text: str, name: str) -> None:
    assert resolved(gazetteer, text).name == name


@pytest.mark.parametrize("text", ["bent", "cows", "over", "ruby", "bo", "help", "Xqzzyville", "somewhere"])
def test_no_guessing_from_short_or_unrelated_words(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.resolve(text) is None


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE services;--",
        "a" * 5000,
        "croydon " * 1000,
        "🏠🏠🏠",
        "مساعدة في لندن",
        "我住在伦敦",
        "<script>alert(1)</script>",
        "\x00\x01\x02",
        "   ",
        "",
    ],
)
def test_hostile_input_gives_none_without_raising(gazetteer: Gazetteer, hostile: str) -> None:
    assert gazetteer.resolve(hostile) is None
    assert gazetteer.postcode_district(hostile) is None


def test_names_come_with_the_place_they_resolve_to(gazetteer: Gazetteer) -> None:
    names = dict(gazetteer.names())
    assert names["RBKC"].name == "Kensington and Chelsea"
    assert names["Cardiff"].kind == "town"
    assert names["Brixton"].boroughs == ("Lambeth",)
    for surface, place in names.items():
        assert gazetteer.lookup(surface) == place, surface


def test_every_resolved_name_round_trips(gazetteer: Gazetteer) -> None:
    """An action stores `place.name` in a slot and resolves it again later for the nation.

    A county named like its town ("County Durham") comes back as the town: same nation and region.
    """
    for _, place in gazetteer.names():
        again: Optional[Place] = gazetteer.resolve(place.name)
        assert again is not None, place.name
        assert (again.nations, again.region) == (place.nations, place.region), place.name
        assert again == place or (place.kind, again.kind) == ("county", "town"), place.name


# --- data integrity ----------------------------------------------------------------------------


def test_every_uk_postcode_area_is_listed_once() -> None:
    codes = [row["code"] for row in rows("postcode_areas.csv")]
    assert len(codes) == len(set(codes))
    assert set(UK_POSTCODE_AREAS) <= set(codes)
    assert len(UK_POSTCODE_AREAS) == 121
    assert set(codes) - set(UK_POSTCODE_AREAS) == {"GY", "JE", "IM"}


def test_postcode_areas_name_real_nations_and_regions() -> None:
    for row in rows("postcode_areas.csv"):
        nations = row["nations"].split(";")
        assert set(nations) <= NATIONS, row
        if nations[0] == "England":
            assert row["region"] in ENGLISH_REGIONS, row
        else:
            assert row["region"] == nations[0], row


def test_cross_border_areas_list_every_nation() -> None:
    nations = {row["code"]: row["nations"].split(";") for row in rows("postcode_areas.csv")}
    for code in ("CH", "SY", "HR"):
        assert nations[code][:2] == ["England", "Wales"], code
    for code in ("LD", "NP", "LL"):
        assert nations[code][:2] == ["Wales", "England"], code
    assert nations["TD"][:2] == ["Scotland", "England"]
    assert nations["CA"] == ["England"]  # its Scottish postcodes (CA6) were withdrawn in 1994


def test_london_boroughs_are_the_32_and_the_city() -> None:
    names = [row["name"] for row in rows("london_boroughs.csv")]
    assert len(names) == len(set(names)) == 33
    assert "City of London" in names


def test_every_london_district_lists_real_boroughs(gazetteer: Gazetteer) -> None:
    boroughs = {row["name"] for row in rows("london_boroughs.csv")}
    districts = [row["district"] for row in rows("london_districts.csv")]
    assert len(districts) == len(set(districts))
    areas = {row["code"] for row in rows("postcode_areas.csv")}
    for row in rows("london_districts.csv"):
        listed = row["boroughs"].split(";")
        assert listed and set(listed) <= boroughs, row
        assert len(listed) == len(set(listed)), row
        assert gazetteer.is_district(row["district"]), row
        area = re.match(r"[A-Z]{1,2}", row["district"])
        assert area is not None and area.group() in areas, row


def test_every_inner_london_district_is_listed() -> None:
    districts = {row["district"] for row in rows("london_districts.csv")}
    expected = {
        *(f"E{n}" for n in range(1, 21) if n != 19),
        "E1W",
        *(f"N{n}" for n in range(1, 23)),
        *(f"NW{n}" for n in range(1, 12)),
        *(f"SE{n}" for n in range(1, 29)),
        *(f"SW{n}" for n in range(2, 21)),
        *(f"SW1{letter}" for letter in "AEHPVWXY"),
        *(f"W{n}" for n in range(2, 15)),
        *(f"W1{letter}" for letter in "ABCDFGHJKSTUW"),
        *(f"WC1{letter}" for letter in "ABEHNRVX"),
        *(f"WC2{letter}" for letter in "ABEHNR"),
        "EC1A",
        "EC4Y",
        "CR0",
        "BR1",
        "RM1",
        "UB10",
    }
    assert expected <= districts, sorted(expected - districts)


def test_london_places_are_in_real_boroughs_and_do_not_repeat() -> None:
    boroughs = {row["name"] for row in rows("london_boroughs.csv")}
    places = [row["place"] for row in rows("london_places.csv")]
    assert len(places) >= 150
    assert len(places) == len(set(places))
    for row in rows("london_places.csv"):
        assert row["borough"] in boroughs, row


def test_counties_cover_the_four_nations() -> None:
    counties = rows("counties.csv")
    names = [row["name"] for row in counties]
    assert len(names) == len(set(names))
    by_nation: Dict[str, int] = {}
    for row in counties:
        by_nation[row["nation"]] = by_nation.get(row["nation"], 0) + 1
        if row["nation"] == "England":
            assert row["region"] in ENGLISH_REGIONS, row
        else:
            assert row["region"] == row["nation"], row
    assert by_nation["England"] == 48
    assert by_nation["Scotland"] == 32
    assert by_nation["Northern Ireland"] == 6
    assert by_nation["Wales"] >= 22


def test_every_town_is_in_a_listed_county_of_its_nation() -> None:
    counties = {row["name"]: row for row in rows("counties.csv")}
    towns = rows("towns.csv")
    names = [row["name"] for row in towns]
    assert len(names) == len(set(names))
    assert sum(row["nation"] in ("England", "Wales") for row in towns) >= 250
    for row in towns:
        assert row["county"] in counties, row
        assert counties[row["county"]]["nation"] == row["nation"], row
        assert row["region"] in ENGLISH_REGIONS or row["region"] == row["nation"], row


def test_required_towns_are_present() -> None:
    names = {row["name"] for row in rows("towns.csv")}
    required = {
        "Glasgow",
        "Edinburgh",
        "Aberdeen",
        "Dundee",
        "Inverness",
        "Stirling",
        "Perth",
        "Belfast",
        "Derry/Londonderry",
        "Lisburn",
        "Newry",
        "Armagh",
        "Cardiff",
        "Swansea",
        "Newport",
        "Wrexham",
    }
    assert required <= names, sorted(required - names)


def test_csv_files_are_utf8_with_the_documented_headers() -> None:
    headers = {
        "postcode_areas.csv": ["code", "name", "nations", "region"],
        "london_districts.csv": ["district", "boroughs"],
        "london_boroughs.csv": ["name", "aliases"],
        "london_places.csv": ["place", "borough"],
        "counties.csv": ["name", "nation", "region", "aliases"],
        "towns.csv": ["name", "county", "nation", "region", "aliases"],
        "regions.csv": ["name", "nation", "aliases"],
    }
    for name, header in headers.items():
        text = (GAZETTEER_DIR / name).read_text(encoding="utf-8")
        assert text.splitlines()[0].split(",") == header, name


def test_place_kinds_are_the_documented_ones(gazetteer: Gazetteer) -> None:
    kinds = {place.kind for _, place in gazetteer.names()}
    assert kinds <= KINDS
    assert {"borough", "london_place", "county", "town", "postcode_area"} <= kinds


def test_loads_from_another_directory(tmp_path: Path) -> None:
    for path in GAZETTEER_DIR.glob("*.csv"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert Gazetteer.load(tmp_path).resolve("croydon") == default_gazetteer().resolve("croydon")


@pytest.mark.parametrize(
    "text, nation",
    [("wales", "Wales"), ("Cymru", "Wales"), ("scotland", "Scotland"), ("N. Ireland", "Northern Ireland")],
)
def test_nations_resolve_so_their_own_helpline_can_be_offered(text: str, nation: str) -> None:
    place = default_gazetteer().resolve(text)
    assert place is not None and place.kind == "nation" and place.nations == (nation,)


@pytest.mark.parametrize(
    "text, name",
    [
        ("North West", "North West"),
        ("the south east", "South East"),
        ("Yorkshire & Humber", "Yorkshire and the Humber"),
        ("Yorkshire", "Yorkshire and the Humber"),
        ("East Midlands", "East Midlands"),
        ("south west england", "South West"),
    ],
)
def test_english_regions_resolve(gazetteer: Gazetteer, text: str, name: str) -> None:
    place = resolved(gazetteer, text)
    assert (place.kind, place.name, place.nations, place.region) == ("region", name, ("England",), name)


def test_regions_file_names_every_english_region() -> None:
    assert {row["name"] for row in rows("regions.csv")} == ENGLISH_REGIONS
    assert all(row["nation"] == "England" for row in rows("regions.csv"))


def test_london_still_resolves_to_greater_london(gazetteer: Gazetteer) -> None:
    place = resolved(gazetteer, "London")
    assert (place.name, place.region) == ("Greater London", "London")
