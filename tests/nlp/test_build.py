"""Haven's own spaCy pipeline and Rasa synonyms, both generated from the gazetteer and vocabulary."""

import json
from pathlib import Path
from typing import List, Tuple

import pytest
import spacy
from spacy.language import Language

from bot.nlp import synonyms
from bot.nlp.build import PIPELINE_NAME, build_pipeline, main, patterns_hash
from bot.nlp.gazetteer import default_gazetteer
from bot.nlp.patterns import AMBIGUOUS_PLACE_NAMES, build_patterns, is_ambiguous, surface_variants
from bot.nlp.vocabulary import NEEDS, WHO_FOR, canonical_need, canonical_who_for

Entities = List[Tuple[str, str]]


@pytest.fixture(scope="module")
def nlp(tmp_path_factory: pytest.TempPathFactory) -> Language:
    """Built to disk and loaded back, exactly as Rasa's SpacyNLP loads it."""
    output = tmp_path_factory.mktemp("spacy") / PIPELINE_NAME
    assert main(["--output", str(output)]) == 0
    return spacy.load(output)


def entities(nlp: Language, text: str, label: str = "") -> Entities:
    return [(ent.text, ent.label_) for ent in nlp(text).ents if not label or ent.label_ == label]


def test_pipeline_is_blank_english_with_an_entity_ruler(nlp: Language) -> None:
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["entity_ruler"]
    assert nlp.meta["name"] == PIPELINE_NAME
    assert nlp.meta["version"] == patterns_hash(build_patterns(default_gazetteer()))
    assert set(nlp.get_pipe("entity_ruler").labels) == {"location", "need", "who_for"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("is there a refuge near se15 4ab", [("refuge", "need"), ("se15 4ab", "location")]),
        ("who can help in croydon", [("croydon", "location")]),
        ("i live in Tower Hamlets", [("Tower Hamlets", "location")]),
        ("counselling in manchester", [("counselling", "need"), ("manchester", "location")]),
        ("im in cardiff", [("cardiff", "location")]),
        ("is there a refuge in wales", [("refuge", "need"), ("wales", "location")]),
        ("I live in Reading", [("Reading", "location")]),
        ("safe house", [("safe house", "need")]),
        ("SE154AB", [("SE154AB", "location")]),
        ("is there help in sw1a 1aa?", [("sw1a 1aa", "location")]),
        ("near m1", [("m1", "location")]),
        ("Belfast BT7 1NN", [("Belfast", "location"), ("BT7 1NN", "location")]),
        ("glasgow", [("glasgow", "location")]),
        ("im in stoke-on-trent", [("stoke-on-trent", "location")]),
        ("kings lynn", [("kings lynn", "location")]),
        ("i moved to st albans", [("st albans", "location")]),
        ("RBKC", [("RBKC", "location")]),
        ("Brixton", [("Brixton", "location")]),
        ("i work in the City", [("the City", "location")]),
        (
            "is there a support group for gay men in brighton",
            [
                ("support group", "need"),
                ("gay", "who_for"),
                ("men", "who_for"),
                ("brighton", "location"),
            ],
        ),
        ("i need a solicitor", [("solicitor", "need")]),
        ("i'm a man and need an idva", [("i'm a man", "who_for"), ("idva", "need")]),
        ("a womens refuge in london", [("womens refuge", "need"), ("london", "location")]),
    ],
)
def test_finds_entities_in_survivor_messages(nlp: Language, text: str, expected: Entities) -> None:
    assert entities(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "he keeps reading my messages",
        "i need a bath",
        "he said he would deal with me later",
        "i want to bury it all",
        "my friend is an angel",
        "it all went down last night",
        "the bank froze my account",
        "b4 he gets home",
        "he keeps calling me m8",
        "call me at 4pm",
        "i have 2 kids",
        "there were no beds",
        "hello",
    ],
)
def test_no_location_in_everyday_words(nlp: Language, text: str) -> None:
    assert entities(nlp, text, "location") == []


@pytest.mark.parametrize(
    "text", ["a man is outside", "he has a black eye", "my older brother", "another woman"]
)
def test_no_who_for_from_bare_words_that_mean_something_else(nlp: Language, text: str) -> None:
    assert entities(nlp, text, "who_for") == []


def test_location_ids_name_the_place_they_resolve_to(nlp: Language) -> None:
    doc = nlp("refuge in RBKC or croydon or se15")
    assert [ent.ent_id_ for ent in doc.ents] == ["refuge", "Kensington and Chelsea", "Croydon", "postcode"]


def test_build_pipeline_in_memory_matches_the_saved_one(nlp: Language) -> None:
    fresh = build_pipeline(default_gazetteer())
    text = "counselling near SE15 4AB or in Walthamstow"
    assert entities(fresh, text) == entities(nlp, text)


def test_patterns_are_json_and_ambiguous_names_need_capitals() -> None:
    patterns = build_patterns(default_gazetteer())
    json.dumps(patterns)
    for pattern in patterns:
        if pattern["label"] == "location" and isinstance(pattern["pattern"], str):
            assert not is_ambiguous(pattern["pattern"]), pattern
    assert "Reading" in AMBIGUOUS_PLACE_NAMES
    assert all(" " not in name or name.istitle() for name in AMBIGUOUS_PLACE_NAMES)


def test_surface_variants() -> None:
    assert "Stoke on Trent" in surface_variants("Stoke-on-Trent")
    assert "Kings Lynn" in surface_variants("King's Lynn")
    assert "Elephant & Castle" in surface_variants("Elephant and Castle")
    assert "Saint Albans" in surface_variants("St Albans")


# --- vocabulary and synonyms -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, need",
    [
        ("safe house", "refuge"),
        ("Women's Refuge", "refuge"),
        ("womens refuge", "refuge"),
        ("IDVA", "idva"),
        ("counseling", "counselling"),
        ("legal_advice", "legal_advice"),
        ("legal aid", "legal_advice"),
        ("hotline", "helpline"),
        ("peer support", "specialist_group"),
        ("support for my kids", "children"),
        ("pizza", None),
        ("", None),
    ],
)
def test_canonical_need(text: str, need: str) -> None:
    assert canonical_need(text) == need


@pytest.mark.parametrize(
    "text, who_for",
    [
        ("gay", "lgbt"),
        ("Non-binary", "lgbt"),
        ("LGBTQ+", "lgbt"),
        ("men", "men"),
        ("women's", "women"),
        ("deaf", "deaf_disabled"),
        ("elderly", "older"),
        ("teenager", "young"),
        ("bame", "black_minoritised"),
        ("man", None),
        ("pizza", None),
    ],
)
def test_canonical_who_for(text: str, who_for: str) -> None:
    assert canonical_who_for(text) == who_for


def test_no_surface_form_means_two_things() -> None:
    table = synonyms.synonym_table(default_gazetteer())
    assert synonyms.conflicts(table) == {}
    needs = {form.lower() for forms in NEEDS.values() for form in forms}
    groups = {form.lower() for forms in WHO_FOR.values() for form in forms}
    assert needs.isdisjoint(groups)


def test_committed_synonyms_are_up_to_date() -> None:
    assert (
        synonyms.SYNONYMS_FILE.read_text(encoding="utf-8") == synonyms.render()
    ), "data/nlu/synonyms.yml is stale: run python -m bot.nlp.synonyms"


def test_rasa_reads_the_synonyms() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training_data = RasaYAMLReader().read(synonyms.SYNONYMS_FILE)
    assert training_data.training_examples == []
    assert training_data.entity_synonyms["safe house"] == "refuge"
    assert training_data.entity_synonyms["rbkc"] == "Kensington and Chelsea"
    assert training_data.entity_synonyms["legal advice"] == "legal_advice"


def test_build_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--output", str(tmp_path / "out")]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"Built {PIPELINE_NAME} ") and "patterns ->" in line
    assert (tmp_path / "out" / "meta.json").exists()


@pytest.mark.parametrize("text", ["my children are asleep", "i'm not that young"])
def test_no_need_or_group_from_a_bare_canonical_word(nlp: Language, text: str) -> None:
    assert entities(nlp, text) == []
