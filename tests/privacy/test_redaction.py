"""The redactor: what a survivor types about themselves never reaches storage or logs.

Examples show each kind of personal data; hypothesis generates thousands of phone numbers, emails and
postcodes in messy surrounding text (emoji, other scripts, hostile text) and checks none leaks. Names are in
test_redaction_names.py; the kinds written in words, generated, in test_redaction_recall.py.
"""

import re
import socket
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.nlp.danger import is_danger
from bot.privacy.recognizers import OFFLINE_TLDS
from bot.privacy.redaction import CleanTexts, Redactor, default_redactor, keep_district, keep_site, redact

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize(
    ("message", "kept", "gone"),
    [
        ("call me on 07700 900123 after 6", "call me on [phone number] after 6", "900123"),
        ("my number is +44 (0)20 7946 0018", "[phone number]", "7946"),
        ("text 0044-7700-900-456", "[phone number]", "900"),
        ("email me jane.doe+safe@example.co.uk", "[email]", "jane.doe"),
        ("write to a0@a--0.com please", "[email]", "a0@"),
        ("we live at SE15 4QT", "SE15 [postcode]", "4QT"),
        ("postcode b11aa", "B1 [postcode]", "1AA"),
        ("I'm at 12 Acacia Road with the kids", "[address]", "Acacia"),
        ("flat 3, 45b high st", "[address]", "high st"),
        ("I live on Marlborough Avenue", "I live on [address]", "Marlborough"),
        ("we're at the flat on Kings Road", "we're at the flat on [address]", "Kings"),
        ("i live on acacia avenue with him", "i live on [address] with him", "acacia"),
        ("we live on Sunny Hill now", "we live on [address] now", "Sunny"),
        ("Rose Cottage, Mill Lane, Little Snoring", "[address]", "Snoring"),
        ("send it to Rose Cottage, Mill Lane, Little Snoring, Norfolk", "to [address], Norfolk", "Mill"),
        ("we live at Brook Farm", "we live at [address]", "Brook"),
        ("12 Acacia Road, Peckham", "[address], Peckham", "Acacia"),
        ("I was born on 12/03/1985", "[date of birth]", "1985"),
        ("my dob is 3rd March 1990", "[date of birth]", "1990"),
        ("I was born on the 14th of March 1987", "I was born on the [date of birth]", "March"),
        ("my birthday is the 3rd of May", "my birthday is the [date of birth]", "3rd"),
        ("born on the fourteenth of march", "born on the [date of birth]", "fourteenth"),
        ("oh seven seven double oh nine double one two three four five", "[phone number]", "seven"),
        ("call oh seven seven double oh 900 321 tonight", "call [phone number] tonight", "321"),
        ("ring zero two zero, seven nine four six, oh oh one eight", "ring [phone number]", "four"),
        ("jane dot smith at gmail dot com", "[email]", "smith"),
        ("email me at jane dot smith at gmail dot com", "email me at [email]", "jane"),
        ("kev_77 (at) hotmail.com", "[email]", "kev"),
        ("its priya at gmail", "its [email]", "priya"),
        ("NI number AB 12 34 56 C", "[NI number]", "34 56"),
        ("card 4111 1111 1111 1111", "[card number]", "1111"),
        ("sort code 20-00-00 account 31926819", "[bank details] account [bank details]", "31926819"),
        ("his page is www.facebook.com/jane.doe.77", "facebook.com/[link]", "jane.doe"),
        ("https://instagram.com/my_private_account?x=1", "instagram.com/[link]", "my_private"),
    ],
)
def test_each_kind_of_personal_data_is_replaced_by_a_label(message: str, kept: str, gone: str) -> None:
    redacted = redact(message)
    assert kept in redacted
    assert gone.lower() not in redacted.lower()


@pytest.mark.parametrize(
    "message",
    [
        "he is hitting me",
        "he hit me 3 times on the street",
        "it started in 2019 and got worse after 3 years",
        "can I ring the helpline on 0808 2000 247?",
        "You can call the Men's Advice Line on 0808 801 0327. It is run by Respect.",
        "is gov.uk safe to look at",
        "have a look at gov.uk",
        "oh no, he's back. I have one or two bags packed",
        "it happened on the 14th of March 1987",
        "I was born in 1987",
        "we were at the family court all day",
        "he waits in the car park",
        "we live on the main road",
        "he moved to the same street as his mum",
        "I live in Golders Green",
        "we moved to Old Kent Road",
        "I'm at home, dot the i's",
        "' OR 1=1; DROP TABLE events;--",
        "😀 مرحبا Привет 你好",
    ],
)
def test_words_numbers_and_sites_that_are_not_personal_are_kept(message: str) -> None:
    assert redact(message) == message


@pytest.mark.parametrize(
    "message",
    [
        "he's outside 12 Acacia Road with a knife",
        "he said he'll kill me, call 07700 900123",
        "he is hitting me at SE15 4QT help",
        "my husband Kevin is outside with a knife",
        "Kevin said he'll kill me tonight",
        "he's outside the flat on Kings Road and says he will kill me",
    ],
)
def test_danger_is_still_recognised_after_redaction(message: str) -> None:
    assert is_danger(message)
    assert is_danger(redact(message))


def test_keep_district_and_keep_site() -> None:
    assert keep_district("se15 4qt") == "SE15 [postcode]"
    assert keep_site("https://www.facebook.com/jane") == "facebook.com/[link]"
    assert keep_site("gov.uk") == "gov.uk"


def test_5000_characters_are_redacted_without_loss_of_the_rest() -> None:
    message = ("help me please " * 330) + "07700 900123"
    redacted = redact(message)
    assert redacted.startswith("help me please " * 330)
    assert redacted.endswith("[phone number]")


def test_no_network_is_used_to_check_email_domains(monkeypatch: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("redaction tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert OFFLINE_TLDS("jane@example.co.uk".split("@")[1]).suffix == "co.uk"
    assert Redactor().redact("write to jane@example.org.uk") == "write to [email]"


def test_a_missing_pipeline_says_how_to_build_it(tmp_path: Any) -> None:
    with pytest.raises(FileNotFoundError, match="make nlp"):
        Redactor(tmp_path)


# ---- properties --------------------------------------------------------------------------------

SURROUNDINGS = st.lists(
    st.sampled_from([*"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ,!?'\";:-", "😀", "💔", " مرحبا ", " Привет ", "你好"]),
    max_size=40,
).map("".join)
"""Text around the personal data: letters, punctuation, emoji and other scripts, but no digits, @ or
dots, so anything number-like in the output can only have come from the generated data."""
SEP = st.sampled_from(["", " ", "-", " ", "  "])


@st.composite
def uk_phone_numbers(draw: Any) -> str:
    """A UK mobile or landline, typed the many ways people type them."""
    first = draw(st.sampled_from(["7", "1", "2", "3"]))
    rest = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    digits = first + rest
    body = digits[:4] + draw(SEP) + digits[4:7] + draw(SEP) + digits[7:]
    prefix = draw(st.sampled_from(["0", "+44 ", "+44", "0044 ", "+44 (0)", "(0"]))
    return prefix + (body if prefix != "(0" else digits[:3] + ") " + digits[3:])


EMAILS = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z][a-z0-9._\-]{0,15}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9\-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "co.uk", "org.uk", "org", "net", "uk", "ie", "me"]),
)


@st.composite
def postcodes(draw: Any) -> str:
    area = draw(st.from_regex(r"[A-Z]{1,2}", fullmatch=True))
    district = area + draw(st.from_regex(r"[0-9][A-Z0-9]?", fullmatch=True))
    inward = draw(st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True))
    return district + draw(st.sampled_from([" ", "", "  "])) + inward


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@PROPERTY
@given(before=SURROUNDINGS, phone=uk_phone_numbers(), after=SURROUNDINGS)
def test_a_generated_phone_number_never_leaks(before: str, phone: str, after: str) -> None:
    redacted = default_redactor().redact(f"{before} {phone} {after}")
    assert _digits(phone)[-9:] not in _digits(redacted)
    assert "[phone number]" in redacted


@PROPERTY
@given(before=SURROUNDINGS, email=EMAILS, after=SURROUNDINGS)
def test_a_generated_email_never_leaks(before: str, email: str, after: str) -> None:
    redacted = default_redactor().redact(f"{before} {email} {after}")
    assert email.split("@")[0] + "@" not in redacted
    assert "@" not in redacted


@PROPERTY
@given(before=SURROUNDINGS, postcode=postcodes(), after=SURROUNDINGS)
def test_a_generated_postcode_keeps_only_its_district(before: str, postcode: str, after: str) -> None:
    redacted = default_redactor().redact(f"{before} {postcode.lower()} {after}")
    inward = postcode[-3:]
    assert inward.lower() not in redacted.lower()
    assert f"{postcode.split()[0][: len(postcode.replace(' ', '')) - 3]} [postcode]" in redacted


def counting_analysis(monkeypatch: Any) -> List[str]:
    """The texts the default redactor sends to Presidio from now on."""
    redactor = default_redactor()
    analysed: List[str] = []
    analyze = redactor.analyze

    def spy(text: str) -> Any:
        analysed.append(text)
        return analyze(text)

    monkeypatch.setattr(redactor, "analyze", spy)
    return analysed


def test_the_assistants_repeated_words_are_analysed_once(monkeypatch: Any) -> None:
    redactor, analysed = default_redactor(), counting_analysis(monkeypatch)
    answer = "You can call the National Domestic Abuse Helpline any time on 0808 2000 247 (reply 7309)."
    assert [redactor.redact(answer) for _ in range(3)] == [answer] * 3
    assert analysed == [answer]


def test_text_with_personal_data_is_analysed_and_redacted_every_time(monkeypatch: Any) -> None:
    redactor, analysed = default_redactor(), counting_analysis(monkeypatch)
    message = "ring me on 07700 900987 tonight"
    assert [redactor.redact(message) for _ in range(2)] == ["ring me on [phone number] tonight"] * 2
    assert len(analysed) == 2 and message not in redactor.clean


def test_only_digests_of_clean_texts_are_remembered_and_only_the_most_recent() -> None:
    clean = CleanTexts(size=2)
    for text in ("first 1.", "second 2.", "third 3."):
        clean.add(text)
    assert "first 1." not in clean and "second 2." in clean and "third 3." in clean
    assert len(clean) == 2
    assert all(isinstance(key, bytes) and len(key) == 16 for key in clean.digests)


def test_text_without_a_digit_at_or_dot_is_redacted_without_presidio(monkeypatch: Any) -> None:
    redactor, presidio = default_redactor(), []
    analyze = redactor.analyzer.analyze

    def spy(*args: Any, **kwargs: Any) -> Any:
        presidio.append(kwargs.get("text"))
        return analyze(*args, **kwargs)

    monkeypatch.setattr(redactor.analyzer, "analyze", spy)
    assert redactor.redact("my name is Sarah, I live on Acacia Avenue") == "my name is [name], I live on [address]"
    assert presidio == []
    assert redactor.redact("my name is Sarah, call 07700 900123") == "my name is [name], call [phone number]"
    assert presidio == ["my name is Sarah, call 07700 900123"]


def test_presidio_reads_only_the_pipelines_tokens() -> None:
    """The pipeline's entity ruler (places, needs, groups for the assistant) is not run for redaction."""
    pipeline = default_redactor().analyzer.nlp_engine.nlp["en"]  # type: ignore[attr-defined]
    assert pipeline.pipe_names == []
    assert redact("I live in Croydon, SE15 4QT") == "I live in Croydon, SE15 [postcode]"
