"""docs/security.md stays true of the pins: a changed pin in requirements.txt or constraints.txt fails here until
the page has been reviewed (its fingerprint of the pins updated), and every version its tables give is the one
pinned (or, for what only Rasa requires, the one installed)."""

import hashlib
import re
from importlib import metadata
from typing import Dict, List

from bot.settings import ROOT

DOC = ROOT / "docs" / "security.md"
PIN_FILES = ("requirements.txt", "constraints.txt")
FINGERPRINT = re.compile(r"^pins-sha256: (\S+)$", re.MULTILINE)
TABLE_ROW = re.compile(r"^\| `(?P<package>[A-Za-z0-9_.-]+)` \| (?P<version>[0-9][^ |]*) \|", re.MULTILINE)
REACHED = re.compile(r"\*\*(Yes|No)\b")
ADVISORY_SECTION = "## Advisories for pinned packages"
NOT_PINNED_BY_HAVEN = frozenset({"setuptools"})
"""Installed because Rasa requires it; its row gives the installed version."""


def pin_lines() -> List[str]:
    """Every pin, as `file:line`, comments and blank lines left out."""
    lines = []
    for name in PIN_FILES:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(f"{name}:{line.strip()}")
    return lines


def fingerprint() -> str:
    return hashlib.sha256("\n".join(pin_lines()).encode("utf-8")).hexdigest()


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> Dict[str, str]:
    found = {}
    for line in pin_lines():
        package, _, version = line.split(":", 1)[1].partition("==")
        found[normalised(package.split("[")[0])] = version
    return found


def advisory_rows() -> Dict[str, str]:
    section = DOC.read_text(encoding="utf-8").split(ADVISORY_SECTION, 1)[1].split("\n## ", 1)[0]
    return {normalised(row["package"]): row["version"] for row in TABLE_ROW.finditer(section)}


def test_the_page_was_reviewed_for_the_pins_as_they_are() -> None:
    recorded = FINGERPRINT.findall(DOC.read_text(encoding="utf-8"))
    assert recorded == [fingerprint()], (
        "requirements.txt or constraints.txt changed a pin since docs/security.md was reviewed. Check the advisories "
        "for the changed packages, update the page, then set its last line to: pins-sha256: " + fingerprint()
    )


def test_every_version_the_page_gives_is_the_one_pinned_or_installed() -> None:
    rows, pinned = advisory_rows(), pins()
    assert {"tensorflow", "keras", "protobuf"} <= set(rows), "the advisories the issue names are all there"
    for package, version in rows.items():
        actual = metadata.version(package) if package in NOT_PINNED_BY_HAVEN else pinned.get(package)
        assert actual == version, f"docs/security.md says {package} {version}; it is {actual}"


def test_each_advisory_says_whether_haven_reaches_it_with_evidence() -> None:
    section = DOC.read_text(encoding="utf-8").split(ADVISORY_SECTION, 1)[1].split("\n## ", 1)[0]
    for row in (line for line in section.splitlines() if TABLE_ROW.match(line)):
        assert REACHED.search(row), f"no Yes/No on whether Haven reaches it: {row[:60]}"
        assert "CVE-" in row, f"no advisory id: {row[:60]}"

