"""The charity's command line: import all or nothing, export, stale entries, seeding a fresh directory."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.database.engine import make_engine
from bot.directory import store
from bot.directory.__main__ import EXIT_DATABASE, EXIT_OK, EXIT_REJECTED, main
from bot.directory.importer import COLUMNS
from bot.directory.seed import hours_from_facts, national_entries
from bot.facts import helplines
from bot.settings import ROOT
from tests.directory.conftest import entry, saved

TEMPLATE = ROOT / "docs" / "directory-template.csv"


def run(engine: Engine, *argv: str) -> str:
    out = io.StringIO()
    assert main(list(argv), engine=engine, out=out) == EXIT_OK
    return out.getvalue()


def test_import_saves_every_row(engine: Engine) -> None:
    assert "Imported 2 services from directory-template.csv." in run(engine, "import", str(TEMPLATE))
    assert store.count(engine) == 2


def test_a_bad_row_imports_nothing_and_names_the_line(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "services.csv"
    misspelt = lines[1].replace("lambeth-outreach-example", "x").replace("Lambeth;", "Lambith;")
    bad.write_text("\n".join([*lines, misspelt]))
    assert main(["import", str(bad)], engine=engine, out=io.StringIO()) == EXIT_REJECTED
    error = capsys.readouterr().err
    assert "services.csv, line 4: areas has 'Lambith', which is not a place I know" in error
    assert "Nothing was imported" in error
    assert store.count(engine) == 0


def test_a_missing_file_is_rejected_kindly(engine: Engine, capsys: pytest.CaptureFixture) -> None:
    assert main(["import", "/nonexistent/services.csv"], engine=engine, out=io.StringIO()) == EXIT_REJECTED
    assert "There is no file at /nonexistent/services.csv." in capsys.readouterr().err


def test_export_writes_the_import_format(engine: Engine) -> None:
    run(engine, "import", str(TEMPLATE))
    rows = list(csv.DictReader(io.StringIO(run(engine, "export"))))
    assert [row["key"] for row in rows] == ["kent-refuge-example", "lambeth-outreach-example"]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1]["areas"] == "Lambeth; SE11"


def test_export_to_a_yaml_file_imports_again(engine: Engine, tmp_path: Path) -> None:
    run(engine, "import", str(TEMPLATE))
    exported = tmp_path / "directory.yaml"
    run(engine, "export", "--format", "yaml", "--output", str(exported))
    before = store.all_entries(engine)
    assert "Imported 2 services" in run(engine, "import", str(exported))
    assert store.all_entries(engine) == before


def test_list_stale_names_entries_to_re_verify(engine: Engine) -> None:
    saved(engine, [entry("old-one", verified_on=date(2020, 1, 1)), entry("new-one", verified_on=date.today())])
    listing = run(engine, "list", "--stale", "90")
    assert "2020-01-01  old-one" in listing
    assert "new-one" not in listing
    assert "1 entries not verified in the last 90 days." in listing


def test_seed_fills_an_empty_directory_once(engine: Engine) -> None:
    assert "Seeded" in run(engine, "seed", "--if-empty")
    seeded = store.count(engine)
    assert "Nothing seeded." in run(engine, "seed", "--if-empty")
    run(engine, "seed")
    assert store.count(engine) == seeded
    listing = run(engine, "list")
    assert "[SAMPLE]" in listing


def test_national_entries_keep_the_facts_sheet_exactly() -> None:
    by_phone = {item.phone: item for item in national_entries()}
    for line in helplines().values():
        item = by_phone[line.number]
        assert (item.name, item.verified_on.isoformat(), item.source) == (line.name, line.verified_on, line.source)
        assert item.national and not item.sample
    assert by_phone["0808 2000 247"].hours == "24/7"
    assert by_phone["0808 80 10 800"].areas == ("nation:Wales",)
    assert by_phone["0808 801 0327"].who_for == ("men",)
    assert by_phone["0808 801 0327"].hours == ""  # the facts say *check*: hours are never made up


def test_facts_hours_become_the_directory_format() -> None:
    assert hours_from_facts("Mon–Fri 9am–5pm") == "Mon-Fri 09:00-17:00"
    assert hours_from_facts("24/7") == "24/7"
    assert hours_from_facts("") == ""


def test_a_database_without_the_tables_gets_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    unmigrated = make_engine(f"sqlite:///{tmp_path}/empty.db")
    assert main(["list", "--stale", "30"], engine=unmigrated, out=io.StringIO()) == EXIT_DATABASE
    assert "The directory database could not be used" in capsys.readouterr().err
