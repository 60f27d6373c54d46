"""docs/architecture.md names only files that exist: a newcomer following it never reaches a dead end."""

import re
from pathlib import Path
from typing import Iterator, List, Tuple

from bot.settings import ROOT

ARCHITECTURE = ROOT / "docs" / "architecture.md"
PATH_LIKE = re.compile(r"`([A-Za-z0-9_./-]+(?:/|\.py|\.yml|\.md|\.js|\.css|\.csv|\.html))`")
NOT_IN_THE_REPO = ("shared/", "var/", "models/", "../")
"""Outside the repo (shared/ is the team's folder beside it) or made at run time."""


def _items(text: str) -> Iterator[Tuple[List[str], str]]:
    """Each list item, table row or paragraph with the folders it is read within: those its section's heading
    names, then the folder the item itself starts with (`privacy/` — `redaction.py`, ... is bot/privacy/...)."""
    for section in re.split(r"^(?=#{2,3} )", text, flags=re.M):
        heading, _, body = section.partition("\n")
        folders = ["", *re.findall(r"`([^`]+/)`", heading)]
        for item in re.split(r"\n(?=- |\| |\n)", body):
            first = re.match(r"[-| ]*`([^`]+/)`", item)
            within = [f"{folder}{first.group(1)}" for folder in folders] if first else []
            yield folders + within, item


def _named_paths() -> Iterator[Tuple[str, List[Path]]]:
    for folders, item in _items(ARCHITECTURE.read_text(encoding="utf-8")):
        for named in PATH_LIKE.findall(item):
            if not named.startswith(NOT_IN_THE_REPO):
                yield named, [ROOT / folder / named for folder in folders]


def test_every_path_the_architecture_names_exists() -> None:
    missing = sorted({named for named, candidates in _named_paths() if not any(c.exists() for c in candidates)})
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_the_check_reads_short_paths_within_their_section() -> None:
    named = dict(_named_paths())
    assert ROOT / "bot/gateway/" / "chat/socket.py" in named["chat/socket.py"]
    assert ROOT / "bot/privacy/" / "redaction.py" in named["redaction.py"]
    assert len(named) > 40, "the architecture names the files a newcomer needs"
