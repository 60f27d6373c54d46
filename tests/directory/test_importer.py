"""Import: every bad row is reported with its line and a reason a volunteer can act on; nothing half-imported."""

from datetime import date
from pathlib import Path
from typing import Dict, List

import pytest

from bot.directory.importer import COLUMNS, ImportRejectedError, read_rows, validate, write_csv
from bot.directory.seed import SAMPLE_FILE, national_entries
from bot.settings import ROOT
from tests.directory.conftest import TODAY

TEMPLATE = ROOT / "docs" / "directory-template.csv"
HEADER = ",".join(COLUMNS)
GOOD = (
    "croydon-idva,Croydon Support,Croydon IDVA,Advisers for people at high risk.,idva,,,,Croydon,false,"
    "0808 2000 247,,,https://croydon.example.com,Mon-Fri 09:00-17:00,2026-11-01,Council list,false"
)


def write(tmp_path: Path, body: str, name: str = "services.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def problems(path: Path) -> List[str]:
    with pytest.raises(ImportRejectedError) as rejected:
        validate(read_rows(path), TODAY)
    return [f"line {line}: {reason}" for line, reason in rejected.value.problems]


def replaced(**changes: str) -> str:
    row: Dict[str, str] = dict(zip(COLUMNS, GOOD.split(","), strict=True))
    row.update(changes)
    return ",".join(f'"{row[column]}"' for column in COLUMNS)


def test_a_good_row_is_read_into_canonical_values(tmp_path: Path) -> None:
    [entry] = validate(read_rows(write(tmp_path, f"{HEADER}\n{GOOD}\n")), TODAY)
    assert entry.areas == ("borough:Croydon",)
    assert (entry.needs, entry.hours, entry.verified_on) == (("idva",), "Mon-Fri 09:00-17:00", date(2026, 11, 1))


def test_needs_and_groups_can_be_written_as_people_say_them(tmp_path: Path) -> None:
    body = f"{HEADER}\n{replaced(needs='Legal advice; safe house', who_for='LGBTQ+; women')}\n"
    [entry] = validate(read_rows(write(tmp_path, body)), TODAY)
    assert (entry.needs, entry.who_for) == (("legal_advice", "refuge"), ("lgbt", "women"))


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"key": "Croydon IDVA!"}, "key 'Croydon IDVA!' should be lowercase letters"),
        ({"name": ""}, "name is empty"),
        ({"needs": "hugs"}, "needs has 'hugs', which is not one of: refuge, idva"),
        ({"who_for": "everyone"}, "who_for has 'everyone'"),
        ({"areas": "Croydn"}, "areas has 'Croydn', which is not a place I know"),
        ({"areas": "'; DROP TABLE directory_services;--"}, "which is not a place I know"),
        ({"phone": "call us"}, "phone 'call us' is not a UK phone number"),
        ({"website": "javascript:alert(1)"}, "website 'javascript:alert(1)' should be a full https:// web address"),
        ({"hours": "9 till 5"}, "hours: '9 till 5' should be days then times"),
        ({"verified_on": "21/11/2026"}, "verified_on '21/11/2026' should be a date like 2026-11-21"),
        ({"verified_on": "2027-01-01"}, "verified_on 2027-01-01 is in the future"),
        ({"national": "maybe"}, "national should be true or false"),
        ({"phone": "", "website": ""}, "there is no way to contact this service"),
        ({"description": "x" * 5000}, "description is 5000 characters long; the most is 500"),
        ({"name": "Croydon IDVA (example)"}, "a sample entry's name must end with '(example)', and only"),
        ({"sample": "true"}, "a sample entry's name must end with '(example)'"),
        ({"sample": "true", "name": "Fake (example)"}, "is not in Ofcom's drama ranges"),
        ({"sample": "true", "name": "F (example)", "phone": "020 7946 0123"}, "must be under example.org"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_reason(tmp_path: Path, changes: Dict[str, str], reason: str) -> None:
    body = f"{HEADER}\n{GOOD}\n{replaced(**{'key': 'second', **changes})}\n"
    [problem] = problems(write(tmp_path, body))
    assert problem.startswith("line 3: ")
    assert reason in problem


def test_every_bad_row_is_reported_at_once_and_repeated_keys_too(tmp_path: Path) -> None:
    body = f"{HEADER}\n{replaced(areas='Nowhere')}\n{GOOD}\n{GOOD}\n{replaced(key='x', phone='?')}\n"
    found = problems(write(tmp_path, body))
    assert [problem.split(":")[0] for problem in found] == ["line 2", "line 4", "line 5"]
    assert "key 'croydon-idva' is already used on line 3" in found[1]


def test_line_numbers_count_quoted_line_breaks(tmp_path: Path) -> None:
    body = f'{HEADER}\n{replaced(description="two" + chr(10) + "lines")}\n{replaced(key="b", areas="Nowhere")}\n'
    [problem] = problems(write(tmp_path, body))
    assert problem.startswith("line 4: ")


@pytest.mark.parametrize(
    "body, reason",
    [
        ("name,phone\nx,1\n", "line 1: the header row has no column(s): key, organisation"),
        (f"{HEADER}\n", "there are no services in the file"),
        (f"{HEADER},extra\n{GOOD},x\n", "unknown column(s): extra"),
        (f"{HEADER}\n{GOOD},surplus\n", "line 2: this row has more cells than the header"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(tmp_path: Path, body: str, reason: str) -> None:
    assert reason in " ".join(problems(write(tmp_path, body)))


def test_a_file_that_is_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n{GOOD.replace('Croydon Support', 'Café')}\n".encode("latin-1"))
    assert "save it as 'CSV UTF-8'" in problems(path)[0]


def test_yaml_rows_report_the_line_each_service_starts_on(tmp_path: Path) -> None:
    body = (
        "- key: good-one\n  organisation: O\n  name: N\n  description: D\n  needs: [idva]\n"
        "  areas: [Croydon]\n  phone: 0808 2000 247\n  verified_on: 2026-11-01\n  source: s\n"
        "- key: bad-one\n  organisation: O\n  name: N\n  description: D\n  needs: [idva]\n"
        "  areas: [Atlantis]\n  phone: 0808 2000 247\n  verified_on: 2026-11-01\n  source: s\n"
    )
    assert problems(write(tmp_path, body, "services.yaml")) == [
        "line 10: areas has 'Atlantis', which is not a place I know (check the spelling)"
    ]


@pytest.mark.parametrize("body", ["key: [unclosed\n", "just text\n", "- just text\n"])
def test_yaml_that_is_not_a_list_of_services_is_rejected_kindly(tmp_path: Path, body: str) -> None:
    assert problems(write(tmp_path, body, "services.yaml"))


def test_the_template_and_the_sample_set_import_cleanly() -> None:
    assert [entry.sample for entry in validate(read_rows(TEMPLATE), TODAY)] == [True, True]
    samples = validate(read_rows(SAMPLE_FILE), TODAY)
    assert len(samples) >= 12
    assert all(entry.sample and entry.name.endswith("(example)") for entry in samples)


def test_an_export_imports_again_unchanged(tmp_path: Path) -> None:
    entries = [*national_entries(), *validate(read_rows(SAMPLE_FILE), TODAY)]
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(entries, handle)
    assert validate(read_rows(path), TODAY) == entries
