"""The password rules: long enough, and not what attackers try first (the shipped list of common passwords,
with digits and symbols added, repeated characters, the username)."""

import hashlib
from typing import Optional

import pytest

from bot.staff.passwords import COMMON_PASSWORDS, common_passwords, password_problem


@pytest.mark.parametrize(("password", "username", "why"), [
    ("password1234", "", "most common"),  # accepted before: the review's example
    ("Password1234!", "", "most common"),
    ("  Summer2024!!!!", "", "most common"),
    ("iloveyou123456", "", "most common"),
    ("pass word 1234", "", "most common"),
    ("qwertyuiop123", "", "most common"),
    ("aaaaaaaaaaaa", "", "too few characters"),
    ("121212121212", "", "too few characters"),
    ("kestrel7 on the hill", "kestrel7", "username"),
    ("short words", "", "12 to 200"),
    ("x" * 150 + "different words here" * 3, "", "12 to 200"),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, username: str, why: str) -> None:
    problem: Optional[str] = password_problem(password, username)
    assert problem is not None and why in problem


@pytest.mark.parametrize(("password", "username"), [
    ("correct horse battery", "ash"),
    ("kettle tulip orbit", "kestrel7"),
    ("crash course window", "ash"),  # a 3-letter username inside ordinary words is a coincidence, not a hint
    ("a1234567890123", ""),  # "a" is in the list, but a single letter with digits added is not a common word
])
def test_unrelated_words_are_accepted(password: str, username: str) -> None:
    assert password_problem(password, username) is None


def test_the_common_password_list_is_the_one_its_readme_describes() -> None:
    passwords = common_passwords()
    assert len(passwords) > 19_000 and all(entry == entry.lower() for entry in passwords)
    readme = (COMMON_PASSWORDS.parent / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(COMMON_PASSWORDS.read_bytes()).hexdigest() in readme, "the README names this very file"
    licence = (COMMON_PASSWORDS.parent / "LICENSE").read_text(encoding="utf-8")
    assert "Licence" in readme and "Redistribution and use in source and binary forms" in licence
