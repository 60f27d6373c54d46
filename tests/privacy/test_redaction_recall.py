"""Recall, kind by kind, on generated messages: every one is stored exactly as it must be.

The generators (tools/bench/personal_data.py) write personal data the ways people write it in a chat, with
names, streets and villages invented so no list can know them; hypothesis drives their choices, and shrinks a
failure to the simplest message. The benchmark prints the same recall over a seeded set (`make bench`).
"""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.privacy.redaction import default_redactor
from tools.bench.personal_data import (
    Sample,
    beside_a_relative,
    date_of_birth,
    email_in_words,
    from_the_lists,
    house_and_village,
    introduction,
    phone_in_words,
    street_without_number,
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RANDOMS = st.randoms(use_true_random=False)


def stored_as_it_must_be(sample: Sample) -> None:
    assert default_redactor().redact(sample.text) == sample.expected


@PROPERTY
@given(rng=RANDOMS)
def test_every_introduction_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(introduction(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_name_beside_a_relative_or_friend_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(beside_a_relative(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_listed_name_is_redacted_anywhere(rng: random.Random) -> None:
    stored_as_it_must_be(from_the_lists(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_street_without_a_number_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(street_without_number(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_house_name_with_its_street_and_village_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(house_and_village(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_date_of_birth_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(date_of_birth(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_phone_number_in_words_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(phone_in_words(rng))


@PROPERTY
@given(rng=RANDOMS)
def test_every_email_in_words_is_redacted(rng: random.Random) -> None:
    stored_as_it_must_be(email_in_words(rng))
