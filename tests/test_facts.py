"""Every number the assistant can show comes from shared/facts/uk-support.md.

The shared facts file sits beside the repo (../shared) on developer machines and in CI; the repo's
own copy, data/facts/helplines.csv, must agree with it number for number.
"""

import os
import re
from pathlib import Path
from typing import Iterator, Set, Tuple

import pytest

from bot.facts import helplines
from bot.settings import ROOT

SHARED_FACTS = ROOT.parent / "shared" / "facts" / "uk-support.md"
PHONE = re.compile(r"(?<![\d])(?:0\d{2,4}(?: ?\d{2,4}){1,3}|116 123|999|101|55)(?![\d])")
ALLOWED_SHORT = {"999", "101", "55", "116 123"}


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _facts_numbers() -> Set[str]:
    if not SHARED_FACTS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_FACTS} is missing in CI: the facts cannot be checked.")
        pytest.skip(f"{SHARED_FACTS} not found beside the repo; facts check needs it.")
    text = SHARED_FACTS.read_text(encoding="utf-8")
    numbers = re.findall(r"\b0\d[\d ]{7,12}\d\b", text) + re.findall(r"\*\*([\d ]+)\*\*", text)
    return {_digits(number) for number in numbers}


def _shown_text() -> Iterator[Tuple[Path, str]]:
    for path in [
        ROOT / "domain.yml",
        *sorted((ROOT / "data").rglob("*.yml")),
        *sorted((ROOT / "actions").glob("*.py")),
    ]:
        yield path, path.read_text(encoding="utf-8")


def test_every_helpline_in_the_repo_copy_is_in_the_shared_facts() -> None:
    known = _facts_numbers()
    for line in helplines().values():
        assert _digits(line.number) in known, f"{line.name}: {line.number}"
        assert line.verified_on and line.source


def test_every_phone_number_in_responses_and_actions_is_a_known_fact() -> None:
    known = _facts_numbers() | {_digits(number) for number in ALLOWED_SHORT}
    unknown = [
        f"{path.relative_to(ROOT)}: {number}"
        for path, text in _shown_text()
        for number in PHONE.findall(text)
        if _digits(number) not in known and len(_digits(number)) >= 10
    ]
    assert unknown == []


def test_hours_are_only_given_where_the_facts_give_them() -> None:
    unverified = {"mens_advice_line", "galop", "forced_marriage_unit", "stalking_helpline", "nspcc"}
    assert all(not helplines()[key].hours for key in unverified)
    assert helplines()["national_helpline"].hours == "24/7"
